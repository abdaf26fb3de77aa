from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "caredesk.channels.portal"
    label = "portal"
    verbose_name = "Customer portal"
