from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "caredesk.channels.api"
    label = "api"
    verbose_name = "REST API"
