from django.urls import URLPattern, URLResolver, path

from caredesk.reports import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("waiting/", views.waiting, name="waiting"),
]
