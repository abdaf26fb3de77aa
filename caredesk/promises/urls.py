from django.urls import URLPattern, URLResolver, path

from caredesk.promises import views

app_name = "promises"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("report/", views.report_page, name="report"),
    path("cases/<int:pk>/make", views.make, name="make"),
    path("cases/<int:pk>/suggestion", views.suggestion, name="suggestion"),
    path("<int:pk>/keep", views.keep, name="keep"),
    path("<int:pk>/renegotiate", views.renegotiate, name="renegotiate"),
    path("<int:pk>/reassign", views.reassign, name="reassign"),
    path("<int:pk>/cancel", views.cancel, name="cancel"),
    path("portal/cases/<int:ticket_id>/callback", views.request_callback, name="callback"),
]
