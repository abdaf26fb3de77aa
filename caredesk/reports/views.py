"""Report pages. Leads, managers and admins only; figures come from pre-aggregated rows."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Role
from caredesk.core import clock
from caredesk.reports.aggregates import last_refreshed, report_zone, waiting_by_tier
from caredesk.reports.filters import date_message
from caredesk.sla.display import minutes_text

REPORT_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
DEFAULT_DAYS = 30
MAX_DAYS = 366
CHART_WIDTH = 420


def _parse_day(raw: str | None, name: str) -> date | None:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) != 10:
        raise ValueError(date_message(name))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(date_message(name)) from None


def _fmt(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if math.isinf(minutes):
        return "> 30d"
    return minutes_text(round(minutes))


@require_GET
@staff_required
def waiting(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.role not in REPORT_ROLES:
        return render(
            request,
            "reports/forbidden.html",
            {"nav": "reports"},
            status=403,
        )
    today = clock.now().astimezone(report_zone()).date()
    error = ""
    try:
        start = _parse_day(request.GET.get("from"), "from")
        end = _parse_day(request.GET.get("to"), "to")
    except ValueError as exc:
        error, start, end = str(exc), None, None
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if not error and start > end:
        error = gettext("The start date is after the end date.")
    elif not error and (end - start).days + 1 > MAX_DAYS:
        error = gettext("Choose at most %(days)s days.") % {"days": MAX_DAYS}
    if error:
        end, start = today, today - timedelta(days=DEFAULT_DAYS - 1)
    rows = waiting_by_tier(start, end)
    finite = [
        v
        for r in rows
        for v in (r.first_response_p90, r.resolution_p90)
        if v is not None and not math.isinf(v)
    ]
    scale = CHART_WIDTH / max(finite) if finite else 0.0
    table: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        p50 = row.first_response_p50
        p90 = row.first_response_p90
        table.append(
            {
                "label": row.label,
                "fr_count": row.first_response_count,
                "fr_p50": _fmt(p50),
                "fr_p90": _fmt(p90),
                "res_count": row.resolution_count,
                "res_p50": _fmt(row.resolution_p50),
                "res_p90": _fmt(row.resolution_p90),
                "y": 10 + index * 36,
                "w50": _bar(p50, scale),
                "w90": _bar(p90, scale),
            }
        )
    any_data = any(r.first_response_count or r.resolution_count for r in rows)
    return render(
        request,
        "reports/waiting.html",
        {
            "nav": "reports",
            "rows": table,
            "any_data": any_data,
            "start": start,
            "end": end,
            "error": error,
            "refreshed": last_refreshed(),
            "chart_height": 20 + 36 * len(table),
            "chart_width": CHART_WIDTH + 120,
        },
        status=400 if error else 200,
    )


def _bar(minutes: float | None, scale: float) -> int:
    if minutes is None or scale == 0:
        return 0
    if math.isinf(minutes):
        return CHART_WIDTH
    return max(1, min(CHART_WIDTH, round(minutes * scale)))
