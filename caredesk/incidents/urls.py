from django.urls import URLPattern, URLResolver, path

from caredesk.incidents import views

app_name = "incidents"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.incident_list, name="list"),
    path("new", views.declare, name="declare"),
    path("<int:pk>/", views.incident_page, name="incident"),
    path("<int:pk>/update", views.post_update, name="update"),
    path("<int:pk>/resolve", views.resolve, name="resolve"),
    path("<int:pk>/close-cases", views.close_cases, name="close-cases"),
]
