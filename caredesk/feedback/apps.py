from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "caredesk.feedback"
    label = "feedback"
    verbose_name = "Feedback about agents"
