"""Cases by a custom field: the page and its CSV export (leads, managers and admins)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team
from caredesk.core import clock
from caredesk.reports import by_field
from caredesk.reports.filters import (
    BadFilter,
    Filters,
    default_filters,
    may_see_reports,
    parse_filters,
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"nav": "reports"}, status=403)


def _filters(request: HttpRequest) -> Filters:
    return parse_filters(
        request.GET.get("from"), request.GET.get("to"), request.GET.get("team"), clock.now()
    )


@require_GET
@staff_required
def fields_report(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not may_see_reports(user):
        return _forbidden(request)
    error = ""
    try:
        filters = _filters(request)
    except BadFilter as exc:
        error, filters = str(exc), default_filters(clock.now())
    fields, field = by_field.choose(user, request.GET.get("field"))
    if field is None and request.GET.get("field"):
        error = error or gettext("There is no such field to group by (or you may not see it).")
    context = {
        "nav": "reports",
        "filters": filters,
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "fields": fields,
        "field": field,
        "error": error,
        "report": by_field.build(filters, field) if field is not None else None,
        "query": filters.query(),
    }
    return render(request, "reports/by_field.html", context, status=400 if error else 200)


@require_GET
@staff_required
def fields_export(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not may_see_reports(user):
        return _forbidden(request)
    try:
        filters = _filters(request)
    except BadFilter as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    _, field = by_field.choose(user, request.GET.get("field"))
    if field is None:
        return HttpResponse(
            "There is no such field to group by.",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    report = by_field.build(filters, field)
    response = HttpResponse(by_field.to_csv(report), content_type="text/csv; charset=utf-8")
    name = f"caredesk-cases-by-{field.key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
