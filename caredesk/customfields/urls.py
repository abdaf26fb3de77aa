from django.urls import URLPattern, URLResolver, path

from caredesk.customfields import views

app_name = "customfields"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.manage, name="manage"),
    path("new", views.create, name="create"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/retire", views.retire, name="retire"),
    path("<slug:target>/<int:pk>", views.object_fields, name="object"),
]
