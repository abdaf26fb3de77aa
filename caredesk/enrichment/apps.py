from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    name = "caredesk.enrichment"
    label = "enrichment"
    verbose_name = "Enrichment (abuse scoring, sentiment)"
