from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "caredesk.offers"
    label = "offers"
    verbose_name = "Offers (unlocked only after solving)"
