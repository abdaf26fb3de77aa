"""The SLA clocks follow the cases through the SLA app's reaction to their events; the
case actions do not call the SLA app (docs/adr/0007-cross-app-reactions.md)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Ticket
from tests.sla.conftest import open_case

M = timedelta(minutes=1)


def test_the_reaction_sets_the_deadlines_a_case_action_leaves(desk, now, policy):
    ticket = open_case(desk, now)
    assert ticket.first_response_due_at == now + 60 * M  # on the object the caller holds
    assert Ticket.objects.get(pk=ticket.pk).first_response_due_at == now + 60 * M
    actions.do_reply(ticket, agent=desk.agent, body="Looking into it.", now=now + 10 * M)
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.first_response_due_at is None and row.sla_paused_at == now + 10 * M
    actions.do_add_customer_message(
        row, customer=desk.bob, body="Any news?", channel=Channel.PORTAL, now=now + 20 * M
    )
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.next_response_due_at == now + 50 * M and row.sla_paused_at is None


def test_without_the_reaction_wired_cases_work_and_get_no_deadlines(desk, now, policy, settings):
    settings.CAREDESK_EVENT_REACTIONS = {}
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="On it.", now=now + M)
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.status == "waiting_customer" and row.first_response_at == now + M
    assert row.sla_policy_id is None and row.next_deadline_at is None


def test_a_reply_that_assigns_and_changes_the_status_recomputes_once(desk, now, policy):
    ticket = open_case(desk, now)
    with CaptureQueriesContext(connection) as ctx:
        actions.do_reply(ticket, agent=desk.agent, body="On it.", now=now + M)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum('UPDATE "sla_casesla"' in q for q in sql) == 1  # the timers: once
    assert sum('FROM "sla_slapolicy"' in q for q in sql) == 1  # the policies: read once
