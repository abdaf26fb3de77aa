from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "caredesk.policies"
    label = "policies"
    verbose_name = "Policies"
