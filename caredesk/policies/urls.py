from django.urls import URLPattern, URLResolver, path

from caredesk.policies import views

app_name = "policies"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.policy_list, name="list"),
    path("<slug:slug>/", views.policy_detail, name="detail"),
]
