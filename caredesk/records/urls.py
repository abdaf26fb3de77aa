from django.urls import URLPattern, URLResolver, path

from caredesk.records import views

app_name = "records"

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers/<int:customer_id>/new", views.new_record, name="new"),
    path("<int:pk>/edit", views.edit_record, name="edit"),
    path("cases/<int:pk>/link", views.link_record, name="link"),
]
