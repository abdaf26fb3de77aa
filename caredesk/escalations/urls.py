from django.urls import URLPattern, URLResolver, path

from caredesk.escalations import views, views_case

app_name = "escalations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.escalation_detail, name="escalation"),
    path("<int:pk>/answer", views.answer, name="answer"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval"),
    path("approvals/<int:pk>/decide", views.decide, name="decide"),
    path("approvals/<int:pk>/tell-customer", views_case.tell_customer, name="tell-customer"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/cancel", views.cancel_delegation, name="cancel-delegation"),
    path("reports/approvals/", views.approvals_report, name="report"),
    path("attention/<int:pk>/review", views.review_attention, name="review-attention"),
    path("cases/<int:ticket_id>/escalate", views_case.escalate, name="escalate"),
    path("cases/<int:ticket_id>/goodwill", views_case.goodwill, name="goodwill"),
    path("cases/<int:ticket_id>/end-conversation", views_case.end_conversation, name="end"),
    path("messages/<int:message_id>/unflag", views_case.unflag, name="unflag"),
    path(
        "portal/cases/<int:ticket_id>/supervisor", views_case.request_supervisor, name="supervisor"
    ),
]
