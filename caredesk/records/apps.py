from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "caredesk.records"
    label = "records"
    verbose_name = "Customer records"
