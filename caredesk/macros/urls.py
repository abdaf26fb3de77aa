from django.urls import URLPattern, URLResolver, path

from caredesk.macros import views

app_name = "macros"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.manage, name="manage"),
    path("new", views.create, name="create"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/delete", views.delete, name="delete"),
    path("cases/<int:pk>/picker", views.picker, name="picker"),
    path("cases/<int:pk>/<int:macro_id>/preview", views.preview, name="preview"),
    path("cases/<int:pk>/<int:macro_id>/apply", views.apply, name="apply"),
]
