from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "caredesk.customfields"
    label = "customfields"
    verbose_name = "Custom fields"
