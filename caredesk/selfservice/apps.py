from django.apps import AppConfig


class SelfServiceConfig(AppConfig):
    name = "caredesk.selfservice"
    label = "selfservice"
    verbose_name = "Self-service requests (one step, no case)"
