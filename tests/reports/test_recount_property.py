"""Property: the daily rows equal a brute-force recount from the raw case rows.

Hypothesis draws small histories (cases of two customers on three topics, opened over
three weeks, answered, resolved, reopened, resolved again, some protected as ended
abusive conversations); the actions write them with an injected clock; the backfill
fills the aggregates; the recount below reads every case, message and status change and
applies the definitions of docs/reports.md directly, case by case.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from caredesk.escalations.models import ProtectedConversation
from caredesk.reports.aggregates import backfill
from caredesk.reports.buckets import report_zone
from caredesk.reports.dashboard import build
from caredesk.reports.models import CareAgentDay, CareChannelDay, CareDay, CareTeamDay
from caredesk.reports.similarity import similar, terms
from caredesk.tickets.models import DONE_STATUSES, OPEN_STATUSES, AuditEvent, Message, Ticket
from tests.reports.conftest import D, H, open_case, reopen, reply, resolve

TOPICS = [
    ("Invoice is wrong", "I was charged twice on my invoice."),
    ("Charged twice", "My invoice has a double charge."),
    ("Parcel never arrived", "The courier says delivered but nothing came."),
]
OPEN, DONE = {str(s) for s in OPEN_STATUSES}, {str(s) for s in DONE_STATUSES}
W7 = timedelta(days=7)

case_plan = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 1),
        "topic": st.integers(0, 2),
        "opened_hours": st.integers(0, 21 * 24),
        "replies": st.integers(0, 2),
        "resolve_after": st.none() | st.integers(1, 100),
        "reopen_after": st.none() | st.integers(1, 240),
        "resolve_again_after": st.none() | st.integers(1, 48),
        "protected": st.booleans(),
    }
)


class Rollback(Exception):
    pass


def play(desk, base, plans, now):
    """Write the histories; nothing happens after ``now``."""
    customers = [desk.bob, desk.alice]
    for plan in plans:
        at = base + plan["opened_hours"] * H
        subject, body = TOPICS[plan["topic"]]
        case = open_case(desk, at, customer=customers[plan["customer"]], subject=subject, body=body)
        for i in range(plan["replies"]):
            reply(desk, case, at + (i + 1) * timedelta(minutes=5))
        if plan["protected"]:
            ProtectedConversation.objects.create(ticket=case, agent=desk.agent, ended_at=at)
        if plan["resolve_after"] is None:
            continue
        resolved = at + plan["resolve_after"] * H
        if resolved > now:
            continue
        resolve(desk, case, resolved)
        if plan["reopen_after"] is None or resolved + plan["reopen_after"] * H > now:
            continue
        reopened = resolved + plan["reopen_after"] * H
        reopen(desk, case, reopened)
        again = plan["resolve_again_after"]
        if again is not None and reopened + again * H <= now:
            resolve(desk, case, reopened + again * H)


def recount(now):
    """The figures per day, straight from every case, message and status change."""
    zone = report_zone()

    def day(t):
        return t.astimezone(zone).date()

    protected = set(ProtectedConversation.objects.values_list("ticket_id", flat=True))
    cases = list(Ticket.objects.all())
    history = defaultdict(list)
    for e in AuditEvent.objects.filter(field="status").order_by("created_at", "id"):
        history[e.ticket_id].append((e.created_at, e.old_value, e.new_value))
    replies = defaultdict(list)
    for m in Message.objects.filter(kind="reply", author_user__isnull=False):
        replies[m.ticket_id].append(m.created_at)
    firsts = {}
    resolutions = defaultdict(list)
    for c in cases:
        for at, old, new in history[c.pk]:
            if old in OPEN and new in DONE:
                resolutions[c.pk].append(at)
        firsts[c.pk] = resolutions[c.pk][0] if resolutions[c.pk] else None
    out = defaultdict(Counter)
    for c in cases:
        out[day(c.created_at)]["opened"] += 1
        if c.pk in protected:
            out[day(c.created_at)]["protected"] += 1
            continue
        mine = terms(c.subject, c.original_request)
        for p in cases:
            if p.pk == c.pk or p.customer_id != c.customer_id:
                continue
            if (p.created_at, p.pk) > (c.created_at, c.pk):
                continue
            after_resolution = any(t < c.created_at <= t + W7 for t in resolutions[p.pk])
            close_similar = c.created_at - p.created_at <= timedelta(days=30) and similar(
                mine, terms(p.subject, p.original_request)
            )
            if after_resolution or close_similar:
                out[day(c.created_at)]["repeat_contacts"] += 1
                break
        first = firsts[c.pk]
        if first is None:
            continue
        d = day(first)
        out[d]["resolved"] += 1
        reopened = any(
            old in DONE and new in OPEN and first < at <= first + W7
            for at, old, new in history[c.pk]
        )
        out[d]["reopened"] += reopened
        followed = any(
            o.pk != c.pk and o.customer_id == c.customer_id and first < o.created_at <= first + W7
            for o in cases
        )
        one_reply = sum(1 for t in replies[c.pk] if t <= first) == 1
        if one_reply and not reopened and not followed:
            out[d]["fcr_pending" if now < first + W7 else "fcr_yes"] += 1
    for c in cases:  # backlog: open at the end of each day from its opening day on
        d = day(c.created_at)
        while d <= day(now):
            end = min(now, _end_of(d, zone))
            status = "new"
            for at, _old, new in history[c.pk]:
                if at < end:
                    status = new
            if status in OPEN:
                out[d]["backlog"] += 1
            d += timedelta(days=1)
    return out


def _end_of(d, zone):
    from datetime import datetime, time

    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone)


FIELDS = ("opened", "resolved", "fcr_yes", "fcr_pending", "reopened", "repeat_contacts",
          "protected", "backlog")  # fmt: skip


@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # examples are slow to shrink
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plans=st.lists(case_plan, min_size=1, max_size=6))
def test_aggregates_equal_a_recount_from_raw_rows(desk, now, plans):
    base = now - 24 * D
    try:
        with transaction.atomic():
            play(desk, base, plans, now)
            backfill(26, now)
            expected = recount(now)
            got = defaultdict(Counter)
            for row in CareDay.objects.all():
                for name in FIELDS:
                    got[row.day][name] += getattr(row, name)
            for d in set(expected) | set(got):
                for name in FIELDS:
                    assert got[d][name] == expected[d][name], (d, name, plans)
            for rollup in (
                CareTeamDay,
                CareChannelDay,
                CareAgentDay,
            ):  # the rollups add up to the detail
                rolled = defaultdict(Counter)
                for row in rollup.objects.all():
                    for name in FIELDS:
                        rolled[row.day][name] += getattr(row, name)
                for d in set(rolled) | set(got):
                    assert rolled.get(d, Counter()) == got.get(d, Counter()), (rollup, d)
            dash = build((base - D).date(), now.date())
            assert dash.overall.resolved == sum(c["resolved"] for c in expected.values())
            assert dash.overall.repeat_contacts == sum(
                c["repeat_contacts"] for c in expected.values()
            )
            raise Rollback
    except Rollback:
        pass
