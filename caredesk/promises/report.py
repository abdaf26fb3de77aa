"""The measure: promise-kept rate per agent, team and kind; lateness; broken promises.

A promise counts in a period when its outcome was settled in it (``settled_at``, an
indexed column): kept promises when they were kept, broken ones (missed, or kept late)
at the due time they missed. Cancelled promises that were never missed do not count.
The counts are grouped in the database; only the broken promises of the period are read
row by row (for lateness), so the cost follows the number of misses, not of promises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, Team, User
from caredesk.core.errors import PermissionDenied
from caredesk.promises.models import BROKEN_STATES, Kind, Promise, State
from caredesk.tickets.access import visible_tickets

MAX_DAYS = 366
BROKEN_LIST = 50


@dataclass
class Row:
    key: str
    label: str
    kept: int = 0
    broken: int = 0
    lateness_seconds: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.kept + self.broken

    @property
    def kept_rate(self) -> float | None:
        return round(self.kept / self.total, 4) if self.total else None

    @property
    def avg_lateness_seconds(self) -> float | None:
        if not self.lateness_seconds:
            return None
        return round(sum(self.lateness_seconds) / len(self.lateness_seconds), 1)


@dataclass
class Report:
    start: datetime
    end: datetime
    overall: Row
    by_agent: list[Row]
    by_team: list[Row]
    by_kind: list[Row]
    broken: list[Promise]


def may_see_report(user: User) -> bool:
    return user.is_agent_staff and user.level >= ROLE_LEVEL[Role.LEAD]


def _scope(user: User) -> QuerySet[Promise]:
    qs = Promise.objects.all()
    if not user.sees_all_cases:
        qs = qs.filter(ticket__in=visible_tickets(user).values("pk"))
    return qs


def lateness(promise: Promise, now: datetime) -> float:
    due = promise.missed_due_at or promise.due_at
    end = promise.kept_at or promise.cancelled_at or now
    return max(0.0, (end - due).total_seconds())


def build(user: User, start: datetime, end: datetime, now: datetime) -> Report:
    if not may_see_report(user):
        raise PermissionDenied(gettext("The promise report is for leads, managers and admins."))
    end = min(end, now)
    if start >= end:
        start = end - timedelta(days=30)
    if end - start > timedelta(days=MAX_DAYS):
        start = end - timedelta(days=MAX_DAYS)
    settled = (
        _scope(user)
        .filter(settled_at__gte=start, settled_at__lt=end)
        .exclude(Q(state=State.CANCELLED) & Q(miss_count=0))
    )
    kept_q = Q(state=State.KEPT)
    broken_q = Q(state__in=BROKEN_STATES) | Q(state=State.CANCELLED, miss_count__gt=0)

    def grouped(key: str) -> dict[Any, tuple[int, int]]:
        rows = settled.values(key).annotate(
            kept=Count("pk", filter=kept_q), broken=Count("pk", filter=broken_q)
        )
        return {r[key]: (r["kept"], r["broken"]) for r in rows}

    broken_rows = list(
        settled.filter(broken_q)
        .select_related("ticket", "owner", "team")
        .order_by("-settled_at", "-id")
    )
    owner_ids = [pk for pk in grouped("owner") if pk is not None]
    people = {u.pk: u.display_name for u in User.objects.filter(pk__in=owner_ids)}
    teams = {t.pk: t.name for t in Team.objects.all()}
    kinds = {value: str(label) for value, label in Kind.choices}

    def rows(key: str, names: Mapping[Any, str], attr: str, default: str) -> list[Row]:
        out: dict[Any, Row] = {}
        for value, (kept, broken) in grouped(key).items():
            out[value] = Row(
                key=str(value or ""), label=names.get(value, default), kept=kept, broken=broken
            )
        for p in broken_rows:
            row = out.get(getattr(p, attr))
            if row is not None:
                row.lateness_seconds.append(lateness(p, now))
        return sorted(out.values(), key=lambda r: (-(r.total), r.label))

    overall = Row(key="all", label="All promises")
    for kept, broken in grouped("kind").values():
        overall.kept += kept
        overall.broken += broken
    overall.lateness_seconds = [lateness(p, now) for p in broken_rows]
    return Report(
        start=start,
        end=end,
        overall=overall,
        by_agent=rows("owner", people, "owner_id", "Nobody"),
        by_team=rows("team", teams, "team_id", "No team"),
        by_kind=rows("kind", kinds, "kind", "Other"),
        broken=broken_rows[:BROKEN_LIST],
    )
