from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("caredesk.channels.api.urls")),
    path("portal/", include("caredesk.channels.portal.urls")),
    path("", include("caredesk.workspace.urls")),
]
