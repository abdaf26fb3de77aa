from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Status

D = timedelta(days=1)
H = timedelta(hours=1)


@pytest.fixture
def frozen(now, monkeypatch):
    monkeypatch.setattr("caredesk.core.clock.now", lambda: now)
    return now


def open_case(
    desk, at, *, customer=None, subject="Invoice is wrong", body="I was charged twice.", **kw
):
    params = dict(
        customer=customer or desk.bob,
        subject=subject,
        body=body,
        channel=Channel.PORTAL,
        now=at,
        team=desk.billing,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


def reply(desk, ticket, at, body="Fixed it for you."):
    return actions.do_reply(ticket, agent=desk.agent, body=body, now=at)


def resolve(desk, ticket, at):
    ticket.refresh_from_db()
    return actions.do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=at)


def reopen(desk, ticket, at):
    ticket.refresh_from_db()
    return actions.do_change_status(ticket, actor=desk.agent, status=Status.OPEN, now=at)


def solved_once(desk, at, **kw):
    """A case answered once and resolved an hour after it opened."""
    ticket = open_case(desk, at, **kw)
    reply(desk, ticket, at + 10 * timedelta(minutes=1))
    resolve(desk, ticket, at + H)
    ticket.refresh_from_db()
    return ticket
