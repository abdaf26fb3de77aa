"""SLA breach → honest update (P14): the customer hears from us when a response target
is missed, at most once a case per calendar day, never to machine senders or after an
abusive conversation was ended."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from caredesk.core.models import OutboundEmail
from caredesk.sla import honest
from caredesk.sla.models import BusinessCalendar, SlaPolicy
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Status, Ticket
from tests.sla.conftest import sweep

M = timedelta(minutes=1)


@pytest.fixture
def policy(desk):
    cal = BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)
    return SlaPolicy.objects.create(
        name="Standard",
        calendar=cal,
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=10_000,
    )


def updates(ticket) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(ticket_id=ticket.pk, subject__startswith="[").filter(
            subject__contains="An honest update"
        )
    )


def open_case(desk, now, **kw):
    return actions.do_open_ticket(
        customer=desk.bob,
        subject="Invoice is wrong",
        body="I was charged twice.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
        **kw,
    )


def test_first_response_breach_sends_one_honest_update(desk, now, policy):
    ticket = open_case(desk, now)
    assert sweep(now + 59 * M).breaches == 0 and updates(ticket) == []
    assert sweep(now + 60 * M).breaches == 1
    [mail] = updates(ticket)
    assert mail.to == "bob@small.test" and mail.headers["Auto-Submitted"] == "auto-generated"
    assert "have not managed it yet" in mail.text and "Lena Lead" in mail.text
    assert AuditEvent.objects.filter(ticket=ticket, verb="sla_update_sent").count() == 1
    sweep(now + 120 * M)  # the sweep again: nothing more
    assert len(updates(ticket)) == 1


def test_at_most_one_a_day_even_with_a_second_breach(desk, now, policy):
    policy.breach_update_next_response = True
    policy.save()
    ticket = open_case(desk, now)
    sweep(now + 60 * M)  # first response missed: update 1
    actions.do_reply(ticket, agent=desk.agent, body="Looking", now=now + 70 * M)
    actions.do_add_customer_message(
        ticket, customer=desk.bob, body="And?", channel="portal", now=now + 80 * M
    )
    assert sweep(now + 111 * M).breaches == 1  # next response missed the same day
    assert len(updates(ticket)) == 1
    # The next day, another miss: one more update.
    tomorrow = now + timedelta(days=1)
    actions.do_reply(ticket, agent=desk.agent, body="Still on it", now=tomorrow)
    actions.do_add_customer_message(
        ticket, customer=desk.bob, body="Hello?", channel="portal", now=tomorrow + M
    )
    assert sweep(tomorrow + 40 * M).breaches == 1
    assert len(updates(ticket)) == 2


def test_policy_can_turn_it_off(desk, now, policy):
    policy.breach_update_first_response = False
    policy.save()
    ticket = open_case(desk, now)
    assert sweep(now + 60 * M).breaches == 1
    assert updates(ticket) == []


def test_never_to_machine_senders(desk, now, policy):
    ticket = open_case(desk, now)
    Ticket.objects.filter(pk=ticket.pk).update(from_machine=True)
    assert sweep(now + 60 * M).breaches == 1
    assert updates(ticket) == []


def test_never_after_an_abusive_conversation_was_ended(desk, now, policy):
    ticket = open_case(desk, now)
    # What escalations writes when staff end an abusive conversation (P10).
    from caredesk.tickets import audit

    audit.record(ticket, desk.agent, "conversation_ended", now=now, field="protection")
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.WAITING_US)
    assert sweep(now + 60 * M).breaches == 1
    assert updates(ticket) == []


def test_the_day_is_counted_in_the_calendar_zone(desk):
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    late_utc = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)  # 01:30 on the 24th in Auckland
    assert honest.day_key(7, late_utc, auckland) == "sla-breach-update:7:2026-11-24"
    assert honest.day_key(7, late_utc, zoneinfo.ZoneInfo("UTC")) == "sla-breach-update:7:2026-11-23"
