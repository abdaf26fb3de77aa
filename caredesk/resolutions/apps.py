from django.apps import AppConfig


class ResolutionsConfig(AppConfig):
    name = "caredesk.resolutions"
    label = "resolutions"
    verbose_name = "Resolutions the customer confirms"
