from django.urls import URLPattern, URLResolver, path

from caredesk.channels.portal import (
    views,
    views_help,
    views_incidents,
    views_language,
    views_records,
    views_resolution,
    views_selfservice,
    views_signin,
)

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("signin/", views_signin.signin, name="signin"),
    path("signin/sent/", views_signin.signin_sent, name="signin_sent"),
    path("signout/", views_signin.signout, name="signout"),
    path("language/", views_language.choose, name="language"),
    path("auth/<str:token>/", views_signin.auth, name="auth"),
    path("cases/", views.case_list, name="cases"),
    path("records/", views_records.records, name="records"),
    path("self-service/", views_selfservice.home, name="selfservice"),
    path("self-service/<int:type_id>/", views_selfservice.request_page, name="selfservice_request"),
    path(
        "self-service/requests/<int:request_id>/",
        views_selfservice.status_page,
        name="selfservice_status",
    ),
    path("cases/new/", views.new_case, name="new_case"),
    path("cases/new/suggest/", views_help.suggest, name="new_case_suggest"),
    path("cases/<int:ticket_id>/", views.case_detail, name="case"),
    path("cases/<int:ticket_id>/reply/", views.case_reply, name="case_reply"),
    path("cases/<int:ticket_id>/status/", views.case_status, name="case_status"),
    path("cases/<int:ticket_id>/solved/", views_resolution.case_answer, name="case_answer"),
    path("solved/<str:purpose>/<str:token>/", views_resolution.answer_link, name="answer_link"),
    path(
        "incidents/unsubscribe/<str:token>/",
        views_incidents.unsubscribe,
        name="incident_unsubscribe",
    ),
]
