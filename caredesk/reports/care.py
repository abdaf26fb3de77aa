"""Filling the daily care figures (``CareDay``, ``CareTagDay``) for one day.

``refresh_care_day(day, now)`` reads the cases that opened, were first resolved, got a
first reply, settled a promise or were open at the end of ``day`` — each found through an
index, so the cost follows the day's activity, not the number of cases — decides their
outcomes with :mod:`caredesk.reports.outcomes`, and replaces the day's rows in one
transaction (idempotent). The periodic job refreshes today and the last
``outcomes.SETTLE_DAYS`` days (FCR is decided 7 days after a resolution);
``caredesk reports backfill --days N`` rebuilds older ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from caredesk.customers.models import Tier
from caredesk.escalations.models import ProtectedConversation
from caredesk.feedback.models import Survey
from caredesk.promises.models import BROKEN_STATES, Promise, State
from caredesk.reports.buckets import BUCKET_BOUNDS, bucket_index, day_bounds
from caredesk.reports.models import (
    CareAgentDay,
    CareChannelDay,
    CareDay,
    CareTagDay,
    CareTeamDay,
)
from caredesk.reports.outcomes import (
    FOLLOW_UP_WINDOW,
    SIMILAR_WINDOW,
    CaseFacts,
    Fcr,
    fcr,
    is_repeat_contact,
    was_reopened,
)
from caredesk.reports.similarity import terms
from caredesk.tickets.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    AuditEvent,
    Message,
    MessageKind,
    Status,
    Ticket,
)

OPEN = frozenset(str(s) for s in OPEN_STATUSES)
DONE = frozenset(str(s) for s in DONE_STATUSES)
COUNT_FIELDS = (
    "opened",
    "resolved",
    "fcr_yes",
    "fcr_pending",
    "reopened",
    "repeat_contacts",
    "protected",
    "backlog",
    "first_responses",
    "first_response_minutes",
    "promises_kept",
    "promises_missed",
    "handle_seconds",
    "csat_good",
    "csat_neutral",
    "csat_bad",
)
CHUNK = 500


@dataclass
class Dims:
    """Where a case counts: its team, assignee, channel, tier and tags (as of now)."""

    team_id: int
    agent_id: int
    channel: str
    tier: str
    tags: tuple[str, ...]
    protected: bool


@dataclass
class Counts:
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_FIELDS, 0))
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKET_BOUNDS) + 1))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _status_history(ids: Iterable[int]) -> dict[int, list[tuple[datetime, int, str, str]]]:
    history: dict[int, list[tuple[datetime, int, str, str]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(ids))):
        rows = AuditEvent.objects.filter(ticket_id__in=chunk, field="status").values_list(
            "ticket_id", "created_at", "id", "old_value", "new_value"
        )
        for ticket_id, at, pk, old, new in rows:
            history[ticket_id].append((at, pk, str(old), str(new)))
    for events in history.values():
        events.sort()
    return history


def _status_changes_between(start: datetime, end: datetime | None) -> list[tuple[int, str, str]]:
    """(case, old, new) of the status changes in [start, end) — the audit_status_time index."""
    found = AuditEvent.objects.filter(field="status", created_at__gte=start)
    if end is not None:
        found = found.filter(created_at__lt=end)
    rows = found.values_list("ticket_id", "old_value", "new_value")
    return [(int(t), str(o), str(n)) for t, o, n in rows if t is not None]


def load_facts(ids: Iterable[int]) -> dict[int, CaseFacts]:
    """The outcome facts of these cases, from their rows, status history and replies."""
    wanted = sorted(set(ids))
    history = _status_history(wanted)
    replies: dict[int, list[datetime]] = defaultdict(list)
    cases: dict[int, tuple[int, datetime, str, str, int | None]] = {}
    for chunk in _chunks(wanted):
        for pk, customer_id, created_at, subject, request, follows in Ticket.objects.filter(
            pk__in=chunk
        ).values_list(
            "pk", "customer_id", "created_at", "subject", "original_request", "follow_up_of_id"
        ):
            cases[pk] = (customer_id, created_at, subject, request, follows)
        for ticket_id, at in Message.objects.filter(
            ticket_id__in=chunk, kind=MessageKind.REPLY, author_user__isnull=False
        ).values_list("ticket_id", "created_at"):
            replies[ticket_id].append(at)
    facts = {}
    for pk, (customer_id, created_at, subject, request, follow_up_of) in cases.items():
        resolutions, reopens = [], []
        for at, _pk, old, new in history.get(pk, []):
            if old in OPEN and new in DONE:
                resolutions.append(at)
            elif old in DONE and new in OPEN:
                reopens.append(at)
        facts[pk] = CaseFacts(
            id=pk,
            customer_id=customer_id,
            created_at=created_at,
            resolutions=tuple(resolutions),
            reopens=tuple(reopens),
            agent_replies=tuple(sorted(replies.get(pk, []))),
            terms=terms(subject, request),
            follow_up_of=follow_up_of,  # a reply to a closed case opened this one
        )
    return facts


def _neighbours(customer_ids: set[int], start: datetime, end: datetime) -> set[int]:
    """Cases of these customers that can decide a repeat contact or a follow-up of a case
    opened or resolved in [start, end): opened from 30 days before to 7 days after, or
    resolved in the 7 days before."""
    found: set[int] = set()
    customers = sorted(customer_ids)
    for chunk in _chunks(customers):
        found.update(
            Ticket.objects.filter(
                customer_id__in=chunk,
                created_at__gte=start - SIMILAR_WINDOW,
                created_at__lt=end + FOLLOW_UP_WINDOW,
            ).values_list("pk", flat=True)
        )
    recent = {t for t, old, new in _status_changes_between(start - FOLLOW_UP_WINDOW, end)}
    recent -= found
    for chunk in _chunks(sorted(recent)):
        found.update(
            Ticket.objects.filter(pk__in=chunk, customer_id__in=customers).values_list(
                "pk", flat=True
            )
        )
    return found


def _open_at(end: datetime) -> set[int]:
    """Cases open at ``end``: opened before it and not resolved or closed at that moment."""
    changed_since = {t for t, _o, _n in _status_changes_between(end, None)}
    open_now = set(
        Ticket.objects.filter(status__in=OPEN_STATUSES, created_at__lt=end).values_list(
            "pk", flat=True
        )
    )
    result = open_now - changed_since
    history = _status_history(changed_since)
    for chunk in _chunks(sorted(changed_since)):
        created = dict(
            Ticket.objects.filter(pk__in=chunk, created_at__lt=end).values_list("pk", "status")
        )
        for pk in created:
            status = str(Status.NEW)
            for at, _id, _old, new in history.get(pk, []):
                if at < end:
                    status = new
            if status in OPEN:
                result.add(pk)
    return result


def _dims(ids: Iterable[int]) -> dict[int, Dims]:
    wanted = sorted(set(ids))
    protected: set[int] = set()
    tags: dict[int, list[str]] = defaultdict(list)
    out: dict[int, Dims] = {}
    through = Ticket.tags.through
    for chunk in _chunks(wanted):
        protected.update(
            ProtectedConversation.objects.filter(
                ticket_id__in=chunk, excluded_from_agent_metrics=True
            ).values_list("ticket_id", flat=True)
        )
        for ticket_id, name in through.objects.filter(ticket_id__in=chunk).values_list(
            "ticket_id", "tag__name"
        ):
            tags[ticket_id].append(name)
        for pk, team_id, agent_id, channel, tier in Ticket.objects.filter(pk__in=chunk).values_list(
            "pk", "team_id", "assignee_id", "channel", "organization__tier"
        ):
            out[pk] = Dims(
                team_id=team_id or 0,
                agent_id=0 if pk in protected else (agent_id or 0),
                channel=channel,
                tier=tier or str(Tier.STANDARD),
                tags=tuple(sorted(tags.get(pk, []))) or ("",),
                protected=pk in protected,
            )
    return out


HandleSource = Callable[[datetime, datetime], Iterable[tuple[int, int]]]


def _handle_sources() -> list[HandleSource]:
    """``settings.CAREDESK_REPORT_HANDLE_TIME``: functions (start, end) → (case id,
    seconds) of staff time logged in the period (the phone channel's call durations)."""
    paths = getattr(settings, "CAREDESK_REPORT_HANDLE_TIME", [])
    return [import_string(p) for p in paths]


@dataclass
class DayFigures:
    care: dict[tuple[int, int, str, str], Counts]
    tags: dict[tuple[int, str], Counts]


def compute_day(day: date, now: datetime) -> DayFigures:
    """The figures of ``day`` as the case rows and the audit log say now."""
    start, end = day_bounds(day)
    opened = dict(
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
            "pk", "customer_id"
        )
    )
    resolved_candidates = {
        t for t, old, new in _status_changes_between(start, end) if old in OPEN and new in DONE
    }
    first_responses = list(
        Ticket.objects.filter(first_response_at__gte=start, first_response_at__lt=end).values_list(
            "pk", "created_at", "first_response_at"
        )
    )
    promises = list(
        Promise.objects.filter(settled_at__gte=start, settled_at__lt=end)
        .exclude(state=State.CANCELLED, miss_count=0)
        .values_list("ticket_id", "team_id", "owner_id", "state", "miss_count")
    )
    handled: list[tuple[int, int]] = []
    for source in _handle_sources():
        handled.extend(source(start, end))
    backlog = _open_at(min(end, now)) if start <= now else set()
    # Ratings count on the day of the first answer, with their current value (a change
    # within CAREDESK_CSAT_CHANGE_DAYS is picked up by the recount of the settle window).
    ratings = list(
        Survey.objects.filter(first_rated_at__gte=start, first_rated_at__lt=end)
        .exclude(rating="")
        .values_list("ticket_id", "agent_id", "rating")
    )

    customers = set(opened.values())
    customers.update(
        Ticket.objects.filter(pk__in=sorted(resolved_candidates)).values_list(
            "customer_id", flat=True
        )
    )
    near = _neighbours(customers, start, end) | set(opened) | resolved_candidates
    facts = load_facts(near)
    by_customer: dict[int, list[CaseFacts]] = defaultdict(list)
    for f in facts.values():
        by_customer[f.customer_id].append(f)

    touched = set(near) | {pk for pk, _c, _f in first_responses} | backlog
    touched |= {p[0] for p in promises} | {t for t, _s in handled}
    touched |= {r[0] for r in ratings}
    dims = _dims(touched)
    figures = DayFigures(care=defaultdict(Counts), tags=defaultdict(Counts))

    def add(ticket_id: int, name: str, amount: int = 1, *, agent_id: int | None = None) -> Counts:
        d = dims[ticket_id]
        agent = d.agent_id if agent_id is None or d.protected else agent_id
        care = figures.care[(d.team_id, agent, d.channel, d.tier)]
        care.values[name] += amount
        for tag in d.tags:
            figures.tags[(d.team_id, tag)].values[name] += amount
        return care

    for pk in opened:
        if pk not in dims:
            continue
        add(pk, "opened")
        if dims[pk].protected:
            add(pk, "protected")
        elif is_repeat_contact(facts[pk], by_customer[facts[pk].customer_id]):
            add(pk, "repeat_contacts")
    for pk in resolved_candidates:
        case = facts.get(pk)
        first = case.first_resolution if case else None
        if case is None or first is None or not start <= first < end or dims[pk].protected:
            continue
        add(pk, "resolved")
        outcome = fcr(case, by_customer[case.customer_id], now)
        if outcome == Fcr.YES:
            add(pk, "fcr_yes")
        elif outcome == Fcr.PENDING:
            add(pk, "fcr_pending")
        if was_reopened(case):
            add(pk, "reopened")
    for pk, created_at, answered_at in first_responses:
        if dims[pk].protected or answered_at is None:
            continue
        minutes = max(0.0, (answered_at - created_at).total_seconds() / 60)
        add(pk, "first_responses")
        add(pk, "first_response_minutes", round(minutes))
        d = dims[pk]
        index = bucket_index(minutes)
        figures.care[(d.team_id, d.agent_id, d.channel, d.tier)].buckets[index] += 1
        for tag in d.tags:
            figures.tags[(d.team_id, tag)].buckets[index] += 1
    for ticket_id, _team_id, owner_id, state, miss_count in promises:
        if dims[ticket_id].protected:
            continue
        kept = state == State.KEPT
        broken = state in BROKEN_STATES or (state == State.CANCELLED and miss_count > 0)
        if kept or broken:
            add(ticket_id, "promises_kept" if kept else "promises_missed", agent_id=owner_id or 0)
    for ticket_id, seconds in handled:
        if ticket_id in dims and not dims[ticket_id].protected:
            add(ticket_id, "handle_seconds", int(seconds))
    for ticket_id, agent_id, rating in ratings:
        if ticket_id in dims and not dims[ticket_id].protected:
            add(ticket_id, f"csat_{rating}", agent_id=agent_id or 0)
    for pk in backlog:
        add(pk, "backlog")
    return figures


def _rollup(
    care: dict[tuple[int, int, str, str], Counts], key: Callable[[tuple[int, int, str, str]], Any]
) -> dict[Any, Counts]:
    out: dict[Any, Counts] = defaultdict(Counts)
    for k, counts in care.items():
        target = out[key(k)]
        for name, value in counts.values.items():
            target.values[name] += value
        for i, value in enumerate(counts.buckets):
            target.buckets[i] += value
    return out


def _row_fields(counts: Counts, now: datetime) -> dict[str, Any]:
    return {**counts.values, "first_response_buckets": counts.buckets, "computed_at": now}


def refresh_care_day(day: date, now: datetime) -> int:
    """Recompute and replace every care row of ``day`` (idempotent). Returns rows written."""
    figures = compute_day(day, now)
    teams = _rollup(figures.care, lambda k: (k[0], k[3]))
    channels = _rollup(figures.care, lambda k: (k[0], k[2]))
    agents = _rollup(figures.care, lambda k: (k[0], k[1]))
    with transaction.atomic():
        for model in (CareDay, CareTeamDay, CareChannelDay, CareAgentDay, CareTagDay):
            model.objects.filter(day=day).delete()
        CareDay.objects.bulk_create(
            (
                CareDay(
                    day=day,
                    team_id=team,
                    agent_id=agent,
                    channel=channel,
                    tier=tier,
                    **_row_fields(c, now),
                )
                for (team, agent, channel, tier), c in figures.care.items()
            ),
            batch_size=500,
        )
        CareTeamDay.objects.bulk_create(
            (
                CareTeamDay(day=day, team_id=team, tier=tier, **_row_fields(c, now))
                for (team, tier), c in teams.items()
            ),
            batch_size=500,
        )
        CareChannelDay.objects.bulk_create(
            (
                CareChannelDay(day=day, team_id=team, channel=channel, **_row_fields(c, now))
                for (team, channel), c in channels.items()
            ),
            batch_size=500,
        )
        CareAgentDay.objects.bulk_create(
            (
                CareAgentDay(day=day, team_id=team, agent_id=agent, **_row_fields(c, now))
                for (team, agent), c in agents.items()
            ),
            batch_size=500,
        )
        CareTagDay.objects.bulk_create(
            (
                CareTagDay(day=day, team_id=team, tag=tag, **_row_fields(c, now))
                for (team, tag), c in figures.tags.items()
            ),
            batch_size=500,
        )
    return len(figures.care) + len(teams) + len(channels) + len(agents) + len(figures.tags)
