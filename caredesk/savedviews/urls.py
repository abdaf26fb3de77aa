from django.urls import URLPattern, URLResolver, path

from caredesk.savedviews import views

app_name = "savedviews"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("sidebar", views.sidebar, name="sidebar"),
    path("new", views.create, name="create"),
    path("bulk", views.bulk_apply, name="bulk"),
    path("<str:key>/", views.cases, name="cases"),
    path("<str:key>/edit", views.edit, name="edit"),
    path("<str:key>/delete", views.delete, name="delete"),
]
