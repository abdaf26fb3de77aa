"""Automatic assignment: round robin or least loaded, skipping away and full agents."""

from __future__ import annotations

from caredesk.accounts.actions import do_set_away
from caredesk.accounts.models import Role
from caredesk.sla.models import AgentCapacity, RoutingMode, TeamRouting
from caredesk.tickets.models import Ticket
from tests.conftest import make_staff
from tests.sla.conftest import open_case


def assignees(tickets):
    return [Ticket.objects.get(pk=t.pk).assignee.email for t in tickets]


def test_round_robin_takes_turns_and_skips_away_agents(desk, now):
    bea = make_staff("bea@desk.test", Role.AGENT, "Bea", desk.billing)
    TeamRouting.objects.create(team=desk.billing, mode=RoutingMode.ROUND_ROBIN)
    do_set_away(user=desk.lead, away=True, now=now)
    cases = [open_case(desk, now) for _ in range(4)]
    assert assignees(cases) == [desk.agent.email, bea.email, desk.agent.email, bea.email]
    first = Ticket.objects.get(pk=cases[0].pk)
    assert first.status == "open"
    event = first.events.get(verb="assigned")
    assert event.actor is None and event.actor_label == "caredesk"


def test_least_loaded_respects_capacity(desk, now):
    bea = make_staff("bea@desk.test", Role.AGENT, "Bea", desk.billing)
    do_set_away(user=desk.lead, away=True, now=now)
    AgentCapacity.objects.create(user=desk.agent, max_open_cases=1)
    TeamRouting.objects.create(team=desk.billing, mode=RoutingMode.LEAST_LOADED)
    cases = [open_case(desk, now) for _ in range(3)]
    assert sorted(assignees(cases)) == sorted([desk.agent.email, bea.email, bea.email])


def test_nobody_available_leaves_the_case_in_the_queue(desk, now, policy):
    TeamRouting.objects.create(team=desk.billing, mode=RoutingMode.ROUND_ROBIN)
    for user in (desk.agent, desk.lead):
        do_set_away(user=user, away=True, now=now)
    ticket = Ticket.objects.get(pk=open_case(desk, now).pk)
    assert ticket.assignee is None and ticket.queue_rank_at is not None


def test_routing_off_leaves_cases_unassigned(desk, now):
    TeamRouting.objects.create(team=desk.billing, mode=RoutingMode.OFF)
    assert Ticket.objects.get(pk=open_case(desk, now).pk).assignee is None


def test_new_assignee_is_told_by_mail(desk, now):
    from django.core import mail

    TeamRouting.objects.create(team=desk.billing, mode=RoutingMode.ROUND_ROBIN)
    do_set_away(user=desk.lead, away=True, now=now)
    open_case(desk, now)
    assert any(m.to == [desk.agent.email] and "Handed to you" in m.subject for m in mail.outbox)
