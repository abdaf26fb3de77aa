from django.apps import AppConfig


class SavedViewsConfig(AppConfig):
    name = "caredesk.savedviews"
    label = "savedviews"
    verbose_name = "Saved views"
