from django.contrib import admin
from django.urls import include, path

from caredesk.accounts.adminsite import require_caredesk_sign_in

# /admin/login/ redirects to caredesk's sign-in (two-factor check, rate limit), and the
# admin refuses a session that has not passed the second factor (issue 15, finding 7).
require_caredesk_sign_in(admin.site)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("caredesk.channels.api.urls")),
    path("portal/", include("caredesk.channels.portal.urls")),
    path("help/", include("caredesk.channels.portal.urls_help")),
    path("mail/", include("caredesk.channels.email.urls")),
    path("sla/", include("caredesk.sla.urls")),
    path("promises/", include("caredesk.promises.urls")),
    path("phone/", include("caredesk.channels.phone.urls")),
    path("reports/", include("caredesk.reports.urls")),
    path("escalations/", include("caredesk.escalations.urls")),
    path("feedback/", include("caredesk.feedback.urls")),
    path("macros/", include("caredesk.macros.urls")),
    path("kb/", include("caredesk.kb.urls")),
    path("automations/", include("caredesk.automations.urls")),
    path("views/", include("caredesk.savedviews.urls")),
    path("fields/", include("caredesk.customfields.urls")),
    path("records/", include("caredesk.records.urls")),
    path("policies/", include("caredesk.policies.urls")),
    path("offers/", include("caredesk.offers.urls")),
    path("incidents/", include("caredesk.incidents.urls")),
    path("", include("caredesk.ops.urls")),
    path("", include("caredesk.workspace.urls")),
]
