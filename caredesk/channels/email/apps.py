from django.apps import AppConfig


class EmailConfig(AppConfig):
    name = "caredesk.channels.email"
    label = "email"
    verbose_name = "Email channel"
