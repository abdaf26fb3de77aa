"""The time report page and its CSV exports (leads, managers and admins)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team
from caredesk.core import clock
from caredesk.reports import time
from caredesk.reports.filters import BadFilter, default_filters, may_see_reports, parse_filters


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"nav": "reports"}, status=403)


@require_GET
@staff_required
def time_report(request: HttpRequest) -> HttpResponse:
    if not may_see_reports(current_user(request)):
        return _forbidden(request)
    now = clock.now()
    error = ""
    try:
        filters = parse_filters(
            request.GET.get("from"), request.GET.get("to"), request.GET.get("team"), now
        )
    except BadFilter as exc:
        error, filters = str(exc), default_filters(now)
    report = time.build(filters)
    context = {
        "nav": "reports",
        "filters": filters,
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "error": error,
        "report": report,
        "tables": [
            ("agent", _("By agent"), _("Agent"), report.rows.get("agent", [])),
            ("team", _("By team"), _("Team"), report.rows.get("team", [])),
            ("customer", _("By customer"), _("Customer"), report.rows.get("customer", [])),
        ],
        "query": filters.query(),
        "max_rows": time.MAX_ROWS,
    }
    return render(request, "reports/time.html", context, status=400 if error else 200)


@require_GET
@staff_required
def time_export(request: HttpRequest, by: str) -> HttpResponse:
    if not may_see_reports(current_user(request)):
        return _forbidden(request)
    if by not in time.GROUPS:
        return HttpResponse(
            f"No such table. Choose one of: {', '.join(time.GROUPS)}.",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    try:
        filters = parse_filters(
            request.GET.get("from"), request.GET.get("to"), request.GET.get("team"), clock.now()
        )
    except BadFilter as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(time.to_csv(filters, by), content_type="text/csv; charset=utf-8")
    team = f"-team{filters.team.pk}" if filters.team else ""
    filename = f"caredesk-time-{by}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}{team}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
