from django.urls import URLPattern, URLResolver, path

from caredesk.offers import views

app_name = "offers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("report/", views.report_page, name="report"),
    path("cases/<int:pk>/make", views.make, name="make"),
    path("made/<int:pk>/accept", views.accept, name="accept"),
    path("made/<int:pk>/decline", views.decline, name="decline"),
    path("portal/accept", views.portal_accept, name="portal-accept"),
    path("portal/decline", views.portal_decline, name="portal-decline"),
]
