from django.urls import URLPattern, URLResolver, path

from caredesk.sla import views

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = [
    path("next/", views.next_case, name="next-case"),
    path("notifications/", views.notifications, name="notifications"),
]
