from django.apps import AppConfig
from django.core import checks as django_checks

from caredesk.channels.email import checks


class EmailConfig(AppConfig):
    name = "caredesk.channels.email"
    label = "email"
    verbose_name = "Email channel"

    def ready(self) -> None:
        django_checks.register(checks.own_addresses_check, django_checks.Tags.compatibility)
