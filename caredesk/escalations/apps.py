from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "caredesk.escalations"
    label = "escalations"
    verbose_name = "Escalations and approvals"
