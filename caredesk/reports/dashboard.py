"""Reading the care dashboard: sums over the daily rows, never the cases (house rule 8).

Every figure comes from the rollups of ``CareDay`` (``CareTeamDay``, ``CareAgentDay``) and
from ``CareTagDay``: three queries, whatever the number of cases. The same :class:`Dashboard` feeds
the page, its CSV exports and ``/api/v1/reports/care``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum

from caredesk.accounts.models import Team, User
from caredesk.customers.models import Tier
from caredesk.reports.buckets import BUCKET_BOUNDS, percentile
from caredesk.reports.care import COUNT_FIELDS
from caredesk.reports.models import CareAgentDay, CareChannelDay, CareTagDay, CareTeamDay
from caredesk.tickets.models import Channel

MAX_DAYS = 366
DEFAULT_DAYS = 30
SUMMED = tuple(f for f in COUNT_FIELDS if f != "backlog")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


@dataclass
class Figures:
    """Summed counts of one group, and the rates docs/reports.md defines."""

    opened: int = 0
    resolved: int = 0
    fcr_yes: int = 0
    fcr_pending: int = 0
    reopened: int = 0
    repeat_contacts: int = 0
    protected: int = 0
    backlog: int = 0
    first_responses: int = 0
    first_response_minutes: int = 0
    promises_kept: int = 0
    promises_missed: int = 0
    handle_seconds: int = 0
    csat_good: int = 0
    csat_neutral: int = 0
    csat_bad: int = 0

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Figures:
        return cls(**{name: int(row.get(name) or 0) for name in COUNT_FIELDS})

    def add(self, other: Figures) -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def fcr_decided(self) -> int:
        return self.resolved - self.fcr_pending

    @property
    def fcr_rate(self) -> float | None:
        return _rate(self.fcr_yes, self.fcr_decided)

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.reopened, self.resolved)

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeat_contacts, self.opened - self.protected)

    @property
    def promise_kept_rate(self) -> float | None:
        return _rate(self.promises_kept, self.promises_kept + self.promises_missed)

    @property
    def csat_ratings(self) -> int:
        return self.csat_good + self.csat_neutral + self.csat_bad

    @property
    def csat_rate(self) -> float | None:
        """CSAT: the share of ratings that are good (docs/csat.md)."""
        return _rate(self.csat_good, self.csat_ratings)

    @property
    def avg_first_response_minutes(self) -> float | None:
        if not self.first_responses:
            return None
        return round(self.first_response_minutes / self.first_responses, 1)

    @property
    def handle_minutes_per_resolved(self) -> float | None:
        if not self.resolved:
            return None
        return round(self.handle_seconds / 60 / self.resolved, 1)


@dataclass
class Group:
    key: str
    label: str
    figures: Figures


@dataclass
class TierTimes:
    tier: str
    label: str
    count: int
    p50: float | None
    p90: float | None


@dataclass
class Dashboard:
    start: date
    end: date
    team_id: int | None
    overall: Figures
    days: list[tuple[date, Figures]]
    by_team: list[Group]
    by_agent: list[Group]
    by_channel: list[Group]
    by_tier: list[Group]
    by_tag: list[Group]
    response_by_tier: list[TierTimes] = field(default_factory=list)

    @property
    def backlog_now(self) -> int:
        return self.days[-1][1].backlog if self.days else 0

    @property
    def has_data(self) -> bool:
        o = self.overall
        return bool(o.opened or o.resolved or o.first_responses or self.backlog_now)


def _grouped(qs: QuerySet[Any], key: str, end: date) -> dict[Any, Figures]:
    """Sums per ``key``; the backlog is the one at the end of the range (a snapshot)."""
    sums: dict[str, Any] = {name: Sum(name) for name in SUMMED}
    sums["backlog"] = Sum("backlog", filter=Q(day=end))
    return {row[key]: Figures.of(row) for row in qs.values(key).annotate(**sums).order_by()}


def _groups(
    figures: Mapping[Any, Figures], labels: Mapping[Any, str], none_label: str
) -> list[Group]:
    out = [
        Group(key=str(k), label=str(labels.get(k) or none_label) if k else none_label, figures=f)
        for k, f in figures.items()
    ]
    out.sort(key=lambda g: (-g.figures.resolved, -g.figures.opened, g.label))
    return out


def build(start: date, end: date, team_id: int | None = None) -> Dashboard:
    """Grouped sums over the rollups, whatever the number of cases: ``CareTeamDay`` for
    the days, teams, tiers and response times, ``CareChannelDay``, ``CareAgentDay`` and
    ``CareTagDay`` for their tables (and two queries for the team and agent names)."""
    in_range: dict[str, Any] = {"day__gte": start, "day__lte": end}
    if team_id is not None:
        in_range["team_id"] = team_id
    team_days = CareTeamDay.objects.filter(**in_range)
    per_day = {
        row["day"]: Figures.of(row)
        for row in team_days.values("day").annotate(**{n: Sum(n) for n in COUNT_FIELDS}).order_by()
    }
    teams = _grouped(team_days, "team_id", end)
    tiers = _grouped(team_days, "tier", end)
    channels = _grouped(CareChannelDay.objects.filter(**in_range), "channel", end)
    width = len(BUCKET_BOUNDS) + 1
    buckets: dict[str, list[int]] = {t.value: [0] * width for t in Tier}
    for tier, histogram in team_days.filter(first_responses__gt=0).values_list(
        "tier", "first_response_buckets"
    ):
        sums = buckets.setdefault(tier, [0] * width)
        for index, value in enumerate(histogram[:width]):
            sums[index] += int(value)
    days = []
    overall = Figures()
    cursor = start
    while cursor <= end:
        figures = per_day.get(cursor, Figures())
        overall.add(figures)
        days.append((cursor, figures))
        cursor += timedelta(days=1)
    overall.backlog = days[-1][1].backlog if days else 0

    agent_rows = _grouped(CareAgentDay.objects.filter(**in_range), "agent_id", end)
    tag_rows = _grouped(CareTagDay.objects.filter(**in_range), "tag", end)
    team_names = dict(Team.objects.filter(pk__in=[k for k in teams if k]).values_list("pk", "name"))
    people = User.objects.filter(pk__in=[k for k in agent_rows if k]).only("pk", "name", "email")
    agent_names = {u.pk: u.display_name for u in people}
    labels = dict(Tier.choices)
    return Dashboard(
        start=start,
        end=end,
        team_id=team_id,
        overall=overall,
        days=days,
        by_team=_groups(teams, team_names, "No team"),
        by_agent=_groups(agent_rows, agent_names, "Unassigned or left out"),
        by_channel=_groups(channels, dict(Channel.choices), "Unknown"),
        by_tier=_groups(tiers, labels, "Standard"),
        by_tag=_groups(tag_rows, {k: k for k in tag_rows}, "(no tag)"),
        response_by_tier=[
            TierTimes(
                tier=tier,
                label=str(labels.get(tier, tier)),
                count=sum(counts),
                p50=percentile(counts, 0.5),
                p90=percentile(counts, 0.9),
            )
            for tier, counts in buckets.items()
        ],
    )
