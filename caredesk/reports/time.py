"""The time report: minutes agents recorded with their replies and notes
(``tickets.TimeEntry``), per agent, team and customer over a date range.

Time entries are written once per message at most, so a range is an index range scan on
``TimeEntry.at`` grouped in the database (ADR 0031): no daily aggregate table yet.
Leads, managers and admins only (``filters.may_see_reports``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from caredesk.reports.buckets import day_bounds
from caredesk.reports.filters import Filters
from caredesk.tickets.models import TimeEntry

GROUPS = ("agent", "team", "customer")
MAX_ROWS = 500  # per table on the page and in the API (the busiest first); CSV: all
_LABEL = {"agent": "Agent", "team": "Team", "customer": "Customer"}


@dataclass(frozen=True)
class TimeRow:
    key: int | None  # the agent, team or customer id; None: none recorded
    label: str
    minutes: int
    entries: int
    cases: int


@dataclass(frozen=True)
class TimeReport:
    filters: Filters
    total_minutes: int
    total_entries: int
    rows: dict[str, list[TimeRow]]

    @property
    def has_data(self) -> bool:
        return self.total_entries > 0


def _entries(filters: Filters) -> QuerySet[TimeEntry]:
    start, _ = day_bounds(filters.start)
    _, end = day_bounds(filters.end)
    rows = TimeEntry.objects.filter(at__gte=start, at__lt=end)
    if filters.team is not None:
        rows = rows.filter(team_id=filters.team.pk)
    return rows


_NAMES = {
    "agent": ("agent_id", "agent__name", "agent__email"),
    "team": ("team_id", "team__name", "team__name"),
    "customer": ("customer_id", "customer__name", "customer__name"),
}


def group(filters: Filters, by: str, *, limit: int | None = MAX_ROWS) -> list[TimeRow]:
    """Minutes, entries and distinct cases per ``by`` (agent, team or customer), most first."""
    if by not in GROUPS:
        raise ValueError(by)
    key, name, fallback = _NAMES[by]
    rows = (
        _entries(filters)
        .values(key, name, fallback)
        .annotate(m=Sum("minutes"), n=Count("id"), c=Count("ticket_id", distinct=True))
        .order_by("-m", key)
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        TimeRow(
            key=r[key],
            label=r[name] or r[fallback] or f"(no {by})",
            minutes=int(r["m"] or 0),
            entries=int(r["n"]),
            cases=int(r["c"]),
        )
        for r in rows
    ]


def build(filters: Filters) -> TimeReport:
    totals = _entries(filters).aggregate(m=Sum("minutes"), n=Count("id"))
    return TimeReport(
        filters=filters,
        total_minutes=int(totals["m"] or 0),
        total_entries=int(totals["n"] or 0),
        rows={by: group(filters, by) for by in GROUPS} if totals["n"] else {},
    )


def _safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(filters: Filters, by: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_LABEL[by], "id", "minutes", "hours", "entries", "cases"])
    for row in group(filters, by, limit=None):
        writer.writerow(
            [
                _safe(row.label),
                row.key if row.key is not None else "",
                row.minutes,
                f"{row.minutes / 60:.2f}",
                row.entries,
                row.cases,
            ]
        )
    return out.getvalue()
