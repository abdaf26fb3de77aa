from django.apps import AppConfig


class PhoneConfig(AppConfig):
    name = "caredesk.channels.phone"
    label = "phone"
    verbose_name = "Phone calls"
