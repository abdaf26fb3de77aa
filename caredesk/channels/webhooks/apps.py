from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "caredesk.channels.webhooks"
    label = "webhooks"
    verbose_name = "Outbound webhooks"
