from django.urls import URLPattern, URLResolver, path

from caredesk.reports import views, views_care, views_fields, views_time

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_care.care, name="care"),
    path("export/<slug:name>.csv", views_care.export, name="export"),
    path("waiting/", views.waiting, name="waiting"),
    path("time/", views_time.time_report, name="time"),
    path("fields/", views_fields.fields_report, name="fields"),
    path("fields/export.csv", views_fields.fields_export, name="fields-export"),
    path("time/export/<slug:by>.csv", views_time.time_export, name="time-export"),
]
