"""Deadlines on the case row follow every case action: open, reply, wait, reopen, re-prioritise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.customers.models import Tier
from caredesk.sla import actions as sla_actions
from caredesk.sla.models import BusinessCalendar, CaseSla, SlaPolicy, WorkingHours
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Status, Ticket
from tests.sla.conftest import open_case

M = timedelta(minutes=1)


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def test_opening_a_case_stores_its_deadlines_on_the_row(desk, now, policy):
    ticket = fresh(open_case(desk, now))
    assert ticket.sla_policy == policy
    assert ticket.first_response_due_at == now + 60 * M
    assert ticket.resolution_due_at == now + 480 * M
    assert ticket.next_response_due_at is None
    assert ticket.next_deadline_at == now + 60 * M
    assert ticket.sla_alarm_at == now + 45 * M  # the 75 % warning comes first


def test_no_policy_means_no_deadlines(desk, now):
    ticket = fresh(open_case(desk, now))
    assert ticket.sla_policy is None and ticket.next_deadline_at is None
    assert not CaseSla.objects.exists()


def test_reply_meets_first_response_and_waiting_pauses_the_clock(desk, now, policy):
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Looking into it", now=now + 20 * M)
    ticket = fresh(ticket)
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.first_response_due_at is None
    assert ticket.resolution_due_at is None and ticket.next_deadline_at is None
    assert ticket.sla_paused_at == now + 20 * M


def test_customer_reply_resumes_and_paused_time_is_recorded(desk, now, policy):
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Which invoice?", now=now + 20 * M)
    back = now + 140 * M  # the customer answers two hours later
    actions.do_add_customer_message(
        ticket, customer=desk.bob, body="INV-7", channel=Channel.PORTAL, now=back
    )
    ticket = fresh(ticket)
    assert ticket.status == Status.WAITING_US
    assert ticket.sla_paused_at is None and ticket.sla_paused_minutes == 120
    assert ticket.next_response_due_at == back + 30 * M
    # Resolution: 480 business minutes, 20 used before the pause.
    assert ticket.resolution_due_at == back + 460 * M
    assert ticket.next_deadline_at == back + 30 * M


def test_a_second_customer_message_does_not_restart_the_next_response_clock(desk, now, policy):
    ticket = open_case(desk, now)
    actions.do_reply(
        ticket, agent=desk.agent, body="Checking", now=now + 5 * M, status_after=Status.OPEN
    )
    for minutes in (10, 25):
        actions.do_add_customer_message(
            ticket,
            customer=desk.bob,
            body="Any news?",
            channel=Channel.PORTAL,
            now=now + minutes * M,
        )
    assert fresh(ticket).next_response_due_at == now + 40 * M


def test_resolving_stops_the_clock_and_reopening_resumes_it(desk, now, policy):
    ticket = open_case(desk, now)
    actions.do_reply(
        ticket, agent=desk.agent, body="Refunded", now=now + 60 * M, status_after=Status.RESOLVED
    )
    ticket = fresh(ticket)
    assert ticket.next_deadline_at is None and ticket.sla_alarm_at is None
    assert ticket.sla_paused_at is None  # resolved is not "waiting on the customer"
    reopened = now + 24 * 60 * M
    actions.do_add_customer_message(
        ticket, customer=desk.bob, body="Still charged", channel=Channel.EMAIL, now=reopened
    )
    ticket = fresh(ticket)
    assert ticket.resolution_due_at == reopened + 420 * M
    assert ticket.next_response_due_at == reopened + 30 * M


def test_policies_match_by_conditions_in_order(desk, now, always_open):
    SlaPolicy.objects.create(
        name="Fallback", order=100, calendar=always_open, first_response_minutes=240
    )
    SlaPolicy.objects.create(
        name="VIP", order=10, tier=Tier.VIP, calendar=always_open, first_response_minutes=30
    )
    SlaPolicy.objects.create(
        name="Urgent billing",
        order=5,
        team=desk.billing,
        priority="urgent",
        channel=Channel.PHONE,
        calendar=always_open,
        first_response_minutes=15,
    )
    SlaPolicy.objects.create(
        name="Off", order=1, is_active=False, calendar=always_open, first_response_minutes=1
    )
    assert fresh(open_case(desk, now)).sla_policy.name == "Fallback"
    assert fresh(open_case(desk, now, customer=desk.alice)).sla_policy.name == "VIP"
    phone = open_case(desk, now, customer=desk.alice, priority="urgent", channel=Channel.PHONE)
    assert fresh(phone).sla_policy.name == "Urgent billing"
    assert fresh(phone).first_response_due_at == now + 15 * M


def test_raising_priority_applies_the_tighter_target_keeping_time_spent(desk, now, always_open):
    SlaPolicy.objects.create(
        name="Urgent", order=1, priority="urgent", calendar=always_open, first_response_minutes=30
    )
    SlaPolicy.objects.create(
        name="Normal", order=2, calendar=always_open, first_response_minutes=240
    )
    ticket = open_case(desk, now)
    actions.do_change_priority(ticket, actor=desk.lead, priority="urgent", now=now + 10 * M)
    ticket = fresh(ticket)
    assert ticket.sla_policy.name == "Urgent"
    assert ticket.first_response_due_at == now + 30 * M


def test_moving_to_another_team_rematches_the_policy(desk, now, always_open):
    SlaPolicy.objects.create(
        name="Delivery",
        order=1,
        team=desk.delivery,
        calendar=always_open,
        first_response_minutes=120,
    )
    ticket = open_case(desk, now)
    assert fresh(ticket).sla_policy is None
    actions.do_assign(ticket, actor=desk.lead, assignee=None, team=desk.delivery, now=now + M)
    ticket = fresh(ticket)
    assert ticket.sla_policy.name == "Delivery"
    assert ticket.first_response_due_at == now + 120 * M


def test_business_hours_calendar_over_a_weekend(desk, office, now):
    SlaPolicy.objects.create(name="Office", calendar=office, first_response_minutes=120)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=berlin)
    ticket = fresh(open_case(desk, friday))
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=berlin)


def test_calendar_edit_keeps_time_spent_under_the_old_hours(desk, office):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    SlaPolicy.objects.create(name="Office", calendar=office, first_response_minutes=8 * 60)
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=berlin)
    ticket = open_case(desk, monday)
    assert fresh(ticket).first_response_due_at == datetime(2026, 11, 23, 17, 0, tzinfo=berlin)
    # At 13:00 (4 h used) the desk extends Monday to 20:00.
    old = BusinessCalendar.objects.get(pk=office.pk).to_calendar()
    WorkingHours.objects.filter(calendar=office, weekday=0).update(start=time(8), end=time(20))
    edit = datetime(2026, 11, 23, 13, 0, tzinfo=berlin)
    assert sla_actions.do_calendar_changed(office, old, actor=desk.admin, now=edit) == 1
    assert fresh(ticket).first_response_due_at == datetime(2026, 11, 23, 17, 0, tzinfo=berlin)
    # Tuesday is unchanged: a case opened Monday 18:00 now gets 2 h Monday evening.
    late = open_case(desk, datetime(2026, 11, 23, 18, 0, tzinfo=berlin))
    assert fresh(late).first_response_due_at == datetime(2026, 11, 24, 15, 0, tzinfo=berlin)


def test_naive_now_is_refused(desk, policy):
    from datetime import datetime

    ticket = open_case(desk, datetime(2026, 11, 23, 9, 0, tzinfo=__import__("datetime").UTC))
    with pytest.raises(ValueError):
        sla_actions.do_update_deadlines([ticket], datetime(2026, 11, 23, 9, 0), "refresh")
