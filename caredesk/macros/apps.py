from django.apps import AppConfig


class MacrosConfig(AppConfig):
    name = "caredesk.macros"
    label = "macros"
    verbose_name = "Macros"
