from django.urls import URLPattern, URLResolver, path

from caredesk.automations import views

app_name = "automations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.manage, name="manage"),
    path("new", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/dry-run", views.dry_run, name="dry-run"),
    path("<int:pk>/toggle", views.toggle, name="toggle"),
    path("<int:pk>/move", views.move, name="move"),
    path("<int:pk>/delete", views.delete, name="delete"),
]
