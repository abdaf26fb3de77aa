from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from caredesk.core import clock
from caredesk.promises.actions import PromiseDraft, do_make_promise
from caredesk.tickets import actions
from caredesk.tickets.models import Channel


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen(monkeypatch, now):
    """Views and tasks read the clock; tests set it."""

    class Clock:
        at = now

        def set(self, value):
            self.at = value

    c = Clock()
    monkeypatch.setattr(clock, "now", lambda: c.at)
    return c


def open_case(desk, now, customer=None, **kw):
    params = dict(
        customer=customer or desk.alice,
        subject="Delivery came outside the window",
        body="The van came at 7pm although I booked 8-12.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


@pytest.fixture
def case(desk, now):
    ticket = open_case(desk, now)
    return actions.do_assign(
        ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now
    )


def promise(
    ticket,
    actor,
    now,
    *,
    kind="callback",
    hours=3,
    text="Call back with the courier's answer",
    **kw,
):
    draft = PromiseDraft(kind=kind, text=text, due_at=now + timedelta(hours=hours), **kw)
    return do_make_promise(ticket, actor=actor, draft=draft, now=now)


def later(now, **kw):
    return now + timedelta(**kw)


def sweep(now):
    """What the worker's heartbeat does for promises: hand an away owner's promises to
    the lead, then the deadline sweep. Returns what it did, as the audit log records it."""
    from caredesk.core import deadlines
    from caredesk.promises import tasks
    from caredesk.promises.actions import Fired
    from caredesk.tickets.models import AuditEvent

    verbs = {
        "reminders": "promise_reminder",
        "escalations": "promise_missed",
        "updates": "promise_update_sent",
        "handovers": "promise_handed_over",
    }

    def counts():
        return {k: AuditEvent.objects.filter(verb=v).count() for k, v in verbs.items()}

    before = counts()
    tasks.hand_over_away(now)
    deadlines.sweep(now)
    after = counts()
    return Fired(**{k: after[k] - before[k] for k in verbs})
