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
