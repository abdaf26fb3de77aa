"""No escalation floods (issue 15): breaches of one agent's cases, or of one team's
unassigned queue, within the group window are one item and one notice for the lead (the
SLA engine no longer tells the lead of each breach as well), and a system escalation
whose problem is solved (the case got its reply, or was resolved) closes by itself,
with every breach still on the case, the escalation and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.core import deadlines
from caredesk.core.errors import DomainError
from caredesk.core.models import Notification
from caredesk.escalations import actions, selectors
from caredesk.escalations.models import Escalation, EscalationSource, EscalationStatus
from caredesk.sla.models import BusinessCalendar, SlaPolicy
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import AuditEvent, Status
from tests.escalations.conftest import open_case

M = timedelta(minutes=1)


@pytest.fixture
def policy(desk):
    """First reply in 60, next in 30, resolution in 480 minutes, round the clock."""
    calendar = BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)
    return SlaPolicy.objects.create(
        name="Standard",
        calendar=calendar,
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=480,
        warn_at_percent=75,
    )


def assigned(desk, now, i):
    ticket = open_case(desk, now, subject=f"Case {i}")
    return ticket_actions.do_assign(
        ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now
    )


def notices(user, kind):
    return Notification.objects.filter(recipient_id=user.pk, kind=kind).count()


def breach_all(start):
    """The minute sweep once a minute past the first-response targets (60 minutes)."""
    for minute in range(61, 75):
        deadlines.sweep(start + minute * M)


def test_ten_breaches_of_one_agent_are_one_item_and_one_notice_for_the_lead(desk, now, policy):
    cases = [assigned(desk, now + i * M, i) for i in range(10)]
    breach_all(now)
    assert AuditEvent.objects.filter(verb="sla_breached").count() == 10
    assert Escalation.objects.filter(source=EscalationSource.SLA_BREACH).count() == 10
    (item,) = selectors.escalations_owned_by(desk.lead, now + 75 * M)
    assert item.ticket_id == cases[0].pk and item.member_count == 9
    assert notices(desk.lead, "escalation") == 1
    assert notices(desk.lead, "sla_breach") == 0  # one mechanism, not two
    assert notices(desk.agent, "sla_breach") == 10  # the agent hears of each of theirs
    assert {e.group_key for e in Escalation.objects.all()} == {f"agent:{desk.agent.pk}"}


def test_ten_breaches_in_one_team_queue_are_one_item_for_its_lead(desk, now, policy):
    queued = [open_case(desk, now + i * M, subject=f"Waiting {i}") for i in range(10)]
    mine = assigned(desk, now, "owned")  # another group: the agent's own cases
    breach_all(now)
    assert AuditEvent.objects.filter(verb="sla_breached").count() == 11
    owned = selectors.escalations_owned_by(desk.lead, now + 75 * M)
    assert len(owned) == 2
    by_case = {e.ticket_id: e for e in owned}
    queue_item = by_case[queued[0].pk]
    assert queue_item.member_count == 9
    assert queue_item.group_key == f"queue:{desk.billing.pk}"
    assert by_case[mine.pk].member_count == 0
    assert notices(desk.lead, "escalation") == 2
    assert notices(desk.lead, "sla_breach") == 0
    # Every breach is still visible: each case is escalated, publicly, with the deadline.
    for ticket in queued:
        event = AuditEvent.objects.get(ticket=ticket, verb="escalated")
        assert event.public and event.new_value["due"]


def test_another_teams_queue_is_another_group(desk, now, policy):
    open_case(desk, now, subject="Billing")
    open_case(desk, now, subject="Delivery", team=desk.delivery)
    breach_all(now)
    keys = set(Escalation.objects.values_list("group_key", flat=True))
    assert keys == {f"queue:{desk.billing.pk}", f"queue:{desk.delivery.pk}"}
    assert not Escalation.objects.filter(parent__isnull=False).exists()


def test_a_breach_escalation_closes_itself_when_the_case_is_answered(desk, now, policy):
    ticket = assigned(desk, now, 1)
    breach_all(now)
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.solved_by == "reply" and escalation.is_open
    ticket_actions.do_reply(ticket, agent=desk.agent, body="Here is your answer.", now=now + 80 * M)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and escalation.resolved_by is None
    assert escalation.due_at is None and escalation.step_up_at is None
    closed = AuditEvent.objects.get(ticket=ticket, verb="escalation_closed")
    assert closed.new_value["solved_by"] == "reply" and closed.public
    assert not selectors.escalations_owned_by(desk.lead, now + 80 * M)
    # The breach itself stays on record.
    assert AuditEvent.objects.filter(ticket=ticket, verb="sla_breached").exists()
    # Idempotent: a second reply finds nothing to close.
    ticket.refresh_from_db()
    ticket_actions.do_reply(ticket, agent=desk.agent, body="And more.", now=now + 81 * M)
    assert AuditEvent.objects.filter(ticket=ticket, verb="escalation_closed").count() == 1


def test_the_group_lives_on_when_its_first_case_is_answered(desk, now, policy):
    cases = [open_case(desk, now + i * M, subject=f"Waiting {i}") for i in range(3)]
    breach_all(now)
    primary = Escalation.objects.get(ticket=cases[0])
    due, step_up = primary.due_at, primary.step_up_at
    ticket_actions.do_reply(cases[0], agent=desk.agent, body="Answered.", now=now + 80 * M)
    (item,) = selectors.escalations_owned_by(desk.lead, now + 80 * M)
    assert item.ticket_id == cases[1].pk and item.member_count == 1
    assert (item.due_at, item.step_up_at) == (due, step_up)
    assert Escalation.objects.get(ticket=cases[2]).parent_id == item.pk
    # Answering the rest closes the group; the lead never had to answer it.
    for ticket in cases[1:]:
        ticket_actions.do_reply(ticket, agent=desk.agent, body="Answered.", now=now + 85 * M)
    assert not Escalation.objects.filter(status=EscalationStatus.OPEN).exists()
    assert AuditEvent.objects.filter(verb="escalation_closed").count() == 3


def test_a_missed_resolution_closes_on_resolve_not_on_a_reply(desk, now):
    ticket = assigned(desk, now, 1)
    escalation = actions.do_escalate(
        ticket,
        actor=None,
        source=EscalationSource.SLA_BREACH,
        reason="The resolution target was missed.",
        now=now,
        solved_by="resolve",
    ).escalation
    ticket_actions.do_reply(
        ticket, agent=desk.agent, body="Still on it.", now=now + M, status_after=Status.OPEN
    )
    escalation.refresh_from_db()
    assert escalation.is_open
    ticket.refresh_from_db()
    ticket_actions.do_change_status(
        ticket, actor=desk.agent, status=Status.RESOLVED, now=now + 2 * M
    )
    escalation.refresh_from_db()
    assert not escalation.is_open


def test_escalations_people_asked_for_never_close_by_themselves(desk, now, policy):
    agents = assigned(desk, now, "agent")
    actions.do_escalate(
        agents, actor=desk.agent, source=EscalationSource.AGENT, reason="Need a lead.", now=now
    )
    joined = assigned(desk, now, "joined")
    breach_all(now)
    # The customer asks for a supervisor on the breached case: only an answer closes it.
    actions.do_request_supervisor(
        joined,
        customer_user=None,
        reason="I want a manager.",
        now=now + 76 * M,
        source=EscalationSource.CUSTOMER_PORTAL,
    )
    for ticket in (agents, joined):
        ticket.refresh_from_db()
        ticket_actions.do_reply(ticket, agent=desk.agent, body="Answer.", now=now + 80 * M)
    assert Escalation.objects.filter(status=EscalationStatus.OPEN).count() == 2


def test_solved_by_is_only_for_system_escalations(desk, now):
    ticket = assigned(desk, now, 1)
    for source, solved_by in ((EscalationSource.AGENT, "reply"), ("sla_breach", "never")):
        with pytest.raises(DomainError):
            actions.do_escalate(
                ticket,
                actor=desk.agent if source == EscalationSource.AGENT else None,
                source=source,
                reason="x",
                now=now,
                solved_by=solved_by,
            )
    assert not Escalation.objects.exists()
    with pytest.raises(ValueError):
        actions.do_close_solved_escalations(ticket, what="<script>", now=now)


def test_closing_costs_a_few_queries(desk, now, policy):
    cases = [open_case(desk, now + i * M, subject=f"Waiting {i}") for i in range(5)]
    breach_all(now)
    with CaptureQueriesContext(connection) as ctx:
        assert actions.do_close_solved_escalations(cases[0], what="reply", now=now + 80 * M) == 1
    assert len(ctx.captured_queries) <= 12
