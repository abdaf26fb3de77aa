from django.urls import URLPattern, URLResolver, path

from caredesk.channels.email import inbound, views

app_name = "email"

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbound/", inbound.inbound, name="inbound"),
    path("quarantine/", views.quarantine_list, name="quarantine_list"),
    path("quarantine/<int:raw_id>/", views.quarantine_detail, name="quarantine_detail"),
    path("quarantine/<int:raw_id>/raw", views.quarantine_download, name="quarantine_download"),
    path("quarantine/<int:raw_id>/replay", views.quarantine_replay, name="quarantine_replay"),
    path("outbox/", views.outbox_list, name="outbox_list"),
]
