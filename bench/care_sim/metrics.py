"""The numbers: read from the database after the run (product) or from a replay."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count

from bench.care_sim.arrivals import Arrival
from bench.care_sim.baselines import Replay
from bench.care_sim.driver import Outcome
from caredesk.accounts.models import Role, User
from caredesk.core.models import Notification
from caredesk.escalations.models import ApprovalRequest, ApprovalStatus, Escalation
from caredesk.promises.models import Promise, State
from caredesk.sla.calendar import Calendar, business_minutes_between
from caredesk.sla.engine import calendar_for
from caredesk.sla.models import BusinessCalendar, TierRule
from caredesk.tickets.models import Ticket

TIERS = ("vip", "priority", "standard")


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[rank]


@dataclass
class TierStats:
    cases: int = 0
    answered: int = 0
    p50: float | None = None
    p90: float | None = None
    beyond_bound: int = 0
    bound_minutes: int | None = None


@dataclass
class QueueStats:
    """First response (business minutes; unanswered cases count until the end of the
    run) and cases that waited in the queue beyond their tier's bound (business minutes
    from arrival until an agent took the case)."""

    tiers: dict[str, TierStats] = field(default_factory=dict)

    @property
    def beyond_bound(self) -> int:
        return sum(t.beyond_bound for t in self.tiers.values())


def queue_stats(
    cal: Calendar,
    bounds: dict[str, int],
    rows: list[tuple[str, datetime, datetime | None, datetime | None]],
    end: datetime,
) -> QueueStats:
    """rows: (tier, arrived, taken, first answer)."""
    minutes: dict[str, list[float]] = {t: [] for t in TIERS}
    stats = QueueStats({t: TierStats(bound_minutes=bounds.get(t)) for t in TIERS})
    for tier, arrived, taken, answered in rows:
        s = stats.tiers[tier]
        s.cases += 1
        s.answered += answered is not None
        minutes[tier].append(business_minutes_between(cal, arrived, answered or end))
        bound = bounds.get(tier)
        if bound is not None and business_minutes_between(cal, arrived, taken or end) > bound:
            s.beyond_bound += 1
    for tier, values in minutes.items():
        stats.tiers[tier].p50 = percentile(values, 0.5)
        stats.tiers[tier].p90 = percentile(values, 0.9)
    return stats


def bounds_and_calendar() -> tuple[dict[str, int], Calendar]:
    bounds = {
        tier: int(minutes)
        for tier, minutes in TierRule.objects.values_list("tier", "max_wait_minutes")
        if minutes is not None
    }
    return bounds, calendar_for(BusinessCalendar.objects.get(name="London office hours"))


def product_queue(out: Outcome) -> QueueStats:
    bounds, cal = bounds_and_calendar()
    assert out.end is not None
    rows = []
    for pk, created, first in Ticket.objects.filter(pk__in=out.tier_of).values_list(
        "pk", "created_at", "first_response_at"
    ):
        rows.append((out.tier_of[pk], created, out.claimed_at.get(pk), first))
    return queue_stats(cal, bounds, rows, out.end)


def replay_queue(r: Replay, arrivals: list[Arrival], end: datetime) -> QueueStats:
    bounds, cal = bounds_and_calendar()
    rows = [(a.tier, a.at, r.claimed_at.get(a.index), r.answered_at.get(a.index)) for a in arrivals]
    return queue_stats(cal, bounds, rows, end)


@dataclass
class CareStats:
    promises: int = 0
    promises_due: int = 0
    kept_on_time: int = 0
    renegotiated: int = 0
    missed: int = 0
    missed_told: int = 0
    kept_late: int = 0
    approvals: int = 0
    approvals_decided_in_time: int = 0
    approvals_pending: int = 0
    escalations: int = 0
    escalations_by_level: dict[str, int] = field(default_factory=dict)
    escalations_by_source: dict[str, int] = field(default_factory=dict)
    escalations_open_at_end: int = 0
    lead_escalations_per_lead_day: float = 0.0
    # What a lead has to deal with: items (a group of breaches is one item, its member
    # cases ride on it), those a person answered, those that closed by themselves when
    # the case got its reply or resolution, and the escalation and breach notices.
    escalation_items: int = 0
    items_answered: int = 0
    closed_by_themselves: int = 0
    lead_items_per_lead_day: float = 0.0
    lead_notices_per_lead_day: float = 0.0

    def share(self, part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kept_or_renegotiated_pct"] = self.share(self.kept_on_time, self.promises_due)
        data["missed_told_pct"] = self.share(self.missed_told, self.missed)
        data["approvals_in_time_pct"] = self.share(self.approvals_decided_in_time, self.approvals)
        return data


def care_stats(out: Outcome, leads: int, days: float) -> CareStats:
    assert out.end is not None
    end = out.end
    s = CareStats()
    for p in Promise.objects.all().only(
        "state", "due_at", "miss_count", "customer_updated", "renegotiations"
    ):
        s.promises += 1
        broken = p.miss_count > 0 or p.state in (State.MISSED, State.KEPT_LATE)
        if p.state == State.CANCELLED or (p.state == State.OPEN and p.due_at > end):
            continue  # not due within the run
        s.promises_due += 1
        s.renegotiated += p.renegotiations > 0
        if p.state == State.KEPT and not broken:
            s.kept_on_time += 1
        if p.state == State.KEPT_LATE:
            s.kept_late += 1
        if broken:
            s.missed += 1
            s.missed_told += bool(p.customer_updated)
    for a in ApprovalRequest.objects.all().only("pk", "status", "decided_at", "due_at"):
        s.approvals += 1
        deadline = out.approval_due.get(a.pk, a.due_at)
        if a.status == ApprovalStatus.PENDING:
            s.approvals_pending += 1
        elif a.decided_at is not None and (deadline is None or a.decided_at <= deadline):
            s.approvals_decided_in_time += 1
    s.escalations = Escalation.objects.count()
    s.escalations_by_level = dict(
        Escalation.objects.values_list("level").annotate(n=Count("pk")).order_by()
    )
    s.escalations_by_source = dict(
        Escalation.objects.values_list("source").annotate(n=Count("pk")).order_by()
    )
    s.escalations_open_at_end = Escalation.objects.filter(status="open").count()
    at_lead = s.escalations_by_level.get("lead", 0)
    per_lead_day = max(1, leads) * max(1, days)
    s.lead_escalations_per_lead_day = round(at_lead / per_lead_day, 1)
    items = Escalation.objects.filter(parent__isnull=True)
    s.escalation_items = items.count()
    s.items_answered = Escalation.objects.filter(
        status="resolved", resolved_by__isnull=False, parent__isnull=True
    ).count()
    s.closed_by_themselves = Escalation.objects.filter(
        status="resolved", resolved_by__isnull=True
    ).count()
    # Items that started at the lead level (every system escalation does).
    lead_items = items.filter(source__in=("sla_breach", "missed_promise", "abuse_review")).count()
    s.lead_items_per_lead_day = round(lead_items / per_lead_day, 1)
    lead_ids = User.objects.filter(role=Role.LEAD).values_list("pk", flat=True)
    notices = Notification.objects.filter(
        recipient_id__in=lead_ids, kind__in=("escalation", "sla_breach", "promise_escalated")
    ).count()
    s.lead_notices_per_lead_day = round(notices / per_lead_day, 1)
    return s
