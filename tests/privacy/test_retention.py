"""Retention rules: closed cases of an organization lose their content after N months."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core.errors import InvalidInput, PermissionDenied
from caredesk.core.retention import purge_now
from caredesk.privacy import actions, retention
from caredesk.tickets import actions as case_actions
from caredesk.tickets.models import Channel, Status, Ticket


def _closed_case(desk, customer, now, *, closed_days_ago: int, subject: str) -> Ticket:
    case = case_actions.do_open_ticket(
        customer=customer,
        subject=subject,
        body="Words of the customer.",
        channel=Channel.EMAIL,
        now=now - timedelta(days=closed_days_ago + 1),
    )
    Ticket.objects.filter(pk=case.pk).update(
        status=Status.CLOSED, closed_at=now - timedelta(days=closed_days_ago)
    )
    return case


@pytest.fixture
def cases(desk, now):
    actions.do_set_retention_rule(desk.acme, actor=desk.admin, months=6, now=now)
    return {
        "old": _closed_case(desk, desk.alice, now, closed_days_ago=200, subject="Old one"),
        "recent": _closed_case(desk, desk.alice, now, closed_days_ago=150, subject="Recent one"),
        "other org": _closed_case(desk, desk.bob, now, closed_days_ago=400, subject="Bob's old"),
    }


def _subjects(cases):
    return {name: Ticket.objects.get(pk=c.pk).subject for name, c in cases.items()}


def test_closed_cases_past_the_rule_lose_their_content_once(desk, now, cases):
    assert retention.purge(now) == 1
    assert _subjects(cases) == {"old": "[erased]", "recent": "Recent one", "other org": "Bob's old"}
    assert retention.purge(now) == 0  # already erased: nothing twice
    assert retention.purge(now + timedelta(days=40)) == 1  # the recent one's turn


def test_open_cases_are_kept_whatever_their_age(desk, now, cases):
    Ticket.objects.filter(pk=cases["old"].pk).update(status=Status.OPEN)
    assert retention.purge(now) == 0


def test_a_legal_hold_keeps_the_customers_cases(desk, now, cases):
    actions.do_place_legal_hold(desk.alice, actor=desk.manager, reason="Dispute", now=now)
    assert retention.purge(now) == 0
    actions.do_lift_legal_hold(desk.alice, actor=desk.manager, now=now)
    assert retention.purge(now) == 1


def test_the_rule_runs_with_the_hourly_purges(desk, now, cases):
    done = purge_now(now)
    assert done["retention rules"] == 1


def test_rules_are_for_admins_and_bounded(desk, now):
    for months in (0, -1, 241, 10_000):
        with pytest.raises(InvalidInput):
            actions.do_set_retention_rule(desk.small, actor=desk.admin, months=months, now=now)
    with pytest.raises(PermissionDenied):
        actions.do_set_retention_rule(desk.small, actor=desk.manager, months=12, now=now)
    assert actions.do_set_retention_rule(desk.small, actor=desk.admin, months=None, now=now) is None
