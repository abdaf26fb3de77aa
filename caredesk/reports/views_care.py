"""The care dashboard and its CSV exports. Leads, managers and admins; every figure is
read from the daily aggregate rows (``caredesk.reports.dashboard``)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team
from caredesk.core import clock
from caredesk.kb.selectors import deflection_figures
from caredesk.reports import charts, dashboard, tables
from caredesk.reports.aggregates import last_refreshed
from caredesk.reports.buckets import report_zone
from caredesk.reports.filters import BadFilter, default_filters, may_see_reports, parse_filters
from caredesk.sla.display import minutes_text


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"nav": "reports"}, status=403)


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def _minutes(value: float) -> str:
    return minutes_text(round(value)) if math.isfinite(value) else "more"


def _page_table(t: tables.Table) -> dict[str, Any]:
    return {
        "name": t.name,
        "headers": t.headers,
        "rows": [
            [tables.shown(v, kind) for v, kind in zip(row, t.kinds, strict=True)] for row in t.rows
        ],
    }


def _charts(dash: dashboard.Dashboard) -> dict[str, Any]:
    days = [d for d, _f in dash.days]

    def pct(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v * 100, 1) for v in values]

    rates = charts.line_chart(
        "First-contact resolution, repeat contacts and reopens per day (percent)",
        days,
        [
            charts.Series("FCR", "series-a", pct([f.fcr_rate for _d, f in dash.days])),
            charts.Series(
                "Repeat contacts", "series-b", pct([f.repeat_rate for _d, f in dash.days])
            ),
            charts.Series("Reopened", "series-c", pct([f.reopen_rate for _d, f in dash.days])),
        ],
        y_format=_percent,
        y_max=100,
    )
    tiers = [t for t in dash.response_by_tier]
    response = charts.bar_chart(
        "Time to first reply by tier: median and 90th percentile",
        [t.label for t in tiers],
        [
            charts.Series("Median (p50)", "series-a", [t.p50 for t in tiers]),
            charts.Series("p90", "series-b", [t.p90 for t in tiers]),
        ],
        x_format=_minutes,
    )
    volume = charts.line_chart(
        "Cases opened and resolved per day",
        days,
        [
            charts.Series("Opened", "series-a", [float(f.opened) for _d, f in dash.days]),
            charts.Series("Resolved", "series-b", [float(f.resolved) for _d, f in dash.days]),
        ],
        bars=True,
    )
    backlog = charts.line_chart(
        "Open cases at the end of each day",
        days,
        [
            charts.Series(
                "Open at end of day", "series-c", [float(f.backlog) for _d, f in dash.days]
            )
        ],
    )
    return {"rates": rates, "response": response, "volume": volume, "backlog": backlog}


def _deflection(start: date, end: date) -> dict[str, Any]:
    """Help-article suggestions on the new-case form (docs/knowledge-base.md): of the
    customers who saw some, how many did not open a case. Counted over the small,
    indexed deflection rows of the period's days."""
    zone = report_zone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    figures = deflection_figures(since, until)
    return {"f": figures, "rate": tables.shown(figures.rate, "rate")}


@require_GET
@staff_required
def care(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not may_see_reports(user):
        return _forbidden(request)
    now = clock.now()
    error = ""
    try:
        filters = parse_filters(
            request.GET.get("from"), request.GET.get("to"), request.GET.get("team"), now
        )
    except BadFilter as exc:
        error, filters = str(exc), default_filters(now)
    dash = dashboard.build(filters.start, filters.end, filters.team_id)
    context: dict[str, Any] = {
        "nav": "reports",
        "filters": filters,
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "error": error,
        "dash": dash,
        "o": dash.overall,
        "pct": {
            "fcr": tables.shown(dash.overall.fcr_rate, "rate"),
            "repeat": tables.shown(dash.overall.repeat_rate, "rate"),
            "reopen": tables.shown(dash.overall.reopen_rate, "rate"),
            "promises": tables.shown(dash.overall.promise_kept_rate, "rate"),
            "csat": tables.shown(dash.overall.csat_rate, "rate"),
        },
        "refreshed": last_refreshed(),
        "deflection": _deflection(filters.start, filters.end),
        "query": filters.query(),
        "charts": _charts(dash) if dash.has_data else {},
        "tables": {
            name: _page_table(tables.table(dash, name))
            for name in ("teams", "agents", "channels", "tiers", "tags", "days")
        },
        "response": _page_table(tables.table(dash, "response")),
        "table_names": tables.TABLE_NAMES,
    }
    return render(request, "reports/care.html", context, status=400 if error else 200)


@require_GET
@staff_required
def export(request: HttpRequest, name: str) -> HttpResponse:
    user = current_user(request)
    if not may_see_reports(user):
        return _forbidden(request)
    if name not in tables.TABLE_NAMES:
        return HttpResponse(
            f"No such table. Choose one of: {', '.join(tables.TABLE_NAMES)}.",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    try:
        filters = parse_filters(
            request.GET.get("from"), request.GET.get("to"), request.GET.get("team"), clock.now()
        )
    except BadFilter as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    dash = dashboard.build(filters.start, filters.end, filters.team_id)
    body = tables.to_csv(tables.table(dash, name))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    team = f"-team{filters.team.pk}" if filters.team else ""
    filename = f"caredesk-{name}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}{team}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
