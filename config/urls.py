from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("caredesk.channels.api.urls")),
    path("portal/", include("caredesk.channels.portal.urls")),
    path("mail/", include("caredesk.channels.email.urls")),
    path("sla/", include("caredesk.sla.urls")),
    path("promises/", include("caredesk.promises.urls")),
    path("phone/", include("caredesk.channels.phone.urls")),
    path("reports/", include("caredesk.reports.urls")),
    path("escalations/", include("caredesk.escalations.urls")),
    path("feedback/", include("caredesk.feedback.urls")),
    path("", include("caredesk.workspace.urls")),
]
