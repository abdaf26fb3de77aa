"""Cases by a custom field: the cases opened in a date range, grouped by the value of one
of the case fields that has a fixed set of values (single or multi select, checkbox), with
how many are still open, done and past an SLA target.

Values sit in ``customfields.FieldValue`` with an index on (field, value_text, object), so
the grouping is one pass over the range's cases joined on that index, in the database
(like the time report, ADR 0031: no daily aggregate table). A multi select counts a case
once under each chosen option; cases without a value are one row of their own.
Leads, managers and admins only (``filters.may_see_reports``), and only the fields they
may see (per-team visibility, docs/custom-fields.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from caredesk.accounts.models import User
from caredesk.customfields.models import FieldDefinition, FieldValue, Kind, Target
from caredesk.customfields.selectors import visible_definitions
from caredesk.reports.buckets import day_bounds
from caredesk.reports.filters import Filters
from caredesk.tickets.models import DONE_STATUSES, OPEN_STATUSES, Status, Ticket

GROUPABLE = (Kind.SELECT, Kind.MULTISELECT, Kind.CHECKBOX)
NO_VALUE = "(no value)"


@dataclass(frozen=True)
class FieldRow:
    value: str
    opened: int
    still_open: int
    done: int
    breached: int


@dataclass(frozen=True)
class FieldReport:
    filters: Filters
    field: FieldDefinition
    rows: list[FieldRow]
    cases: int  # cases opened in the range (a multi select counts each once here)


def groupable_fields(user: User) -> list[FieldDefinition]:
    return [d for d in visible_definitions(user, Target.CASE) if d.kind in GROUPABLE]


def choose(user: User, key: str | None) -> tuple[list[FieldDefinition], FieldDefinition | None]:
    """The fields ``user`` may group by, and the one ``key`` names (the first when no key
    is given; None when the key names no such field)."""
    fields = groupable_fields(user)
    wanted = str(key or "")[:40]
    if not wanted:
        return fields, fields[0] if fields else None
    return fields, next((f for f in fields if f.key == wanted), None)


def _cases(filters: Filters) -> QuerySet[Ticket]:
    start, _ = day_bounds(filters.start)
    _, end = day_bounds(filters.end)
    cases = Ticket.objects.filter(created_at__gte=start, created_at__lt=end).exclude(
        status=Status.MERGED
    )
    if filters.team is not None:
        cases = cases.filter(team_id=filters.team.pk)
    return cases


_COUNTS = {
    "opened": Count("id"),
    "still_open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
    "done": Count("id", filter=Q(status__in=DONE_STATUSES)),
    "breached": Count("id", filter=Q(sla_breached=True)),
}


def _label(field: FieldDefinition, raw: str | None) -> str:
    # A ticked checkbox is a row (without text); an unticked one is no row at all.
    return "Yes" if field.kind == Kind.CHECKBOX else raw or NO_VALUE


def build(filters: Filters, field: FieldDefinition) -> FieldReport:
    cases = _cases(filters)
    case = Ticket.objects.filter(pk=OuterRef("object_id"))
    per_value = (
        FieldValue.objects.filter(field=field, object_id__in=cases.values("pk"))
        .annotate(
            case_status=Subquery(case.values("status")[:1]),
            case_breached=Subquery(case.values("sla_breached")[:1]),
        )
        .values("value_text")
        .annotate(
            opened=Count("id"),
            still_open=Count("id", filter=Q(case_status__in=OPEN_STATUSES)),
            done=Count("id", filter=Q(case_status__in=DONE_STATUSES)),
            breached=Count("id", filter=Q(case_breached=True)),
        )
        .order_by("-opened", "value_text")
    )
    rows = [
        FieldRow(
            value=_label(field, r["value_text"]),
            opened=r["opened"],
            still_open=r["still_open"],
            done=r["done"],
            breached=r["breached"],
        )
        for r in per_value
    ]
    has_value = FieldValue.objects.filter(field=field, object_id=OuterRef("pk"))
    unset = cases.exclude(Exists(has_value)).aggregate(**_COUNTS)
    if unset["opened"]:
        label = "No" if field.kind == Kind.CHECKBOX else NO_VALUE
        rows.append(FieldRow(value=label, **{k: int(v or 0) for k, v in unset.items()}))
    return FieldReport(filters=filters, field=field, rows=rows, cases=cases.count())


def _safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: FieldReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [report.field.label, "opened", "still open", "resolved or closed", "SLA breached"]
    )
    for row in report.rows:
        writer.writerow([_safe(row.value), row.opened, row.still_open, row.done, row.breached])
    return out.getvalue()
