from django.urls import URLPattern, URLResolver, path

from caredesk.channels.phone import views

app_name = "phone"

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:pk>/calls", views.log_call, name="log-call"),
]
