from django.urls import URLPattern, URLResolver, path

from caredesk.feedback import views, views_csat

app_name = "feedback"

urlpatterns: list[URLPattern | URLResolver] = [
    path("agents/<int:pk>/", views.agent_record, name="agent"),
    path("reviews/", views.reviews, name="reviews"),
    path("complaints/<int:pk>/", views.complaint, name="complaint"),
    path("cases/<int:ticket_id>/", views.manager_feedback, name="manager"),
    path("portal/cases/<int:ticket_id>/", views.portal_feedback, name="portal"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("survey/<str:token>/thanks/", views.survey_thanks, name="survey-thanks"),
    path("rate/<str:rating>/<str:token>/", views_csat.rate_link, name="rate-link"),
    path("portal/cases/<int:ticket_id>/rating/", views_csat.portal_rate, name="rate-portal"),
]
