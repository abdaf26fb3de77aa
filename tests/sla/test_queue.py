"""The fair queue: urgency first, tiers weighed, and a bounded wait for every tier."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from caredesk.customers.models import Tier
from caredesk.sla.models import SlaPolicy, TierRule
from caredesk.sla.queue import claim_next_case, next_case_for
from caredesk.tickets import actions
from caredesk.tickets.models import Ticket
from tests.conftest import make_customer
from tests.sla.conftest import open_case

M = timedelta(minutes=1)


def test_most_urgent_deadline_comes_first(desk, now, always_open):
    SlaPolicy.objects.create(
        name="Urgent", order=1, priority="urgent", calendar=always_open, first_response_minutes=30
    )
    SlaPolicy.objects.create(
        name="Normal", order=2, calendar=always_open, first_response_minutes=240
    )
    relaxed = open_case(desk, now)
    urgent = open_case(desk, now + 5 * M, priority="urgent")
    assert next_case_for(desk.agent, now + 6 * M) == urgent
    actions.do_assign(urgent, actor=desk.lead, assignee=desk.lead, team=desk.billing, now=now)
    assert next_case_for(desk.agent, now + 6 * M) == relaxed


def test_agent_only_gets_cases_of_their_teams_or_unrouted(desk, now, policy):
    other = open_case(desk, now, team=desk.delivery)
    assert next_case_for(desk.agent, now) is None
    assert next_case_for(desk.other_agent, now) == other
    unrouted = open_case(desk, now + M, team=None)
    assert next_case_for(desk.agent, now + M) == unrouted


def test_waiting_on_customer_and_assigned_cases_are_not_queued(desk, now, policy):
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Which one?", now=now)
    assert next_case_for(desk.agent, now) is None


def test_tier_weight_moves_vip_cases_forward(desk, now, policy):
    TierRule.objects.create(tier=Tier.VIP, weight=0.5)
    standard = open_case(desk, now)
    vip = open_case(desk, now + 20 * M, customer=desk.alice)
    # Same 60-minute target: VIP counts as due 30 min after it arrived (now+50) vs now+60.
    assert next_case_for(desk.agent, now + 21 * M) == vip
    assert Ticket.objects.get(pk=standard.pk).queue_rank_at == now + 60 * M


def test_a_case_past_its_tier_bound_beats_newer_vip_cases(desk, now, policy, settings):
    settings.CAREDESK_QUEUE_BOUND_LEAD_MINUTES = 0  # only once the bound has passed
    TierRule.objects.create(tier=Tier.VIP, weight=0.1)
    TierRule.objects.create(tier=Tier.STANDARD, weight=1.0, max_wait_minutes=30)
    standard = open_case(desk, now)
    vip = open_case(desk, now + 29 * M, customer=desk.alice)
    assert next_case_for(desk.agent, now + 29 * M) == vip
    assert next_case_for(desk.agent, now + 30 * M) == standard


def test_a_case_is_served_before_its_bound_not_after_it(desk, now, policy, settings):
    """Issue 15: overdue standard cases (their first response late, their bound far off)
    ranked before a fresh VIP case until the VIP case passed its own bound. Within the
    lead time of its bound a case is served by its bound, earliest first."""
    TierRule.objects.create(tier=Tier.VIP, weight=1.0, max_wait_minutes=60)
    TierRule.objects.create(tier=Tier.STANDARD, weight=1.0, max_wait_minutes=600)
    overdue = [open_case(desk, now + i * M, subject=f"Standard {i}") for i in range(3)]
    vip = open_case(desk, now + 90 * M, customer=desk.alice)
    # The standard cases' first response was due at now+60: by urgency they come first.
    settings.CAREDESK_QUEUE_BOUND_LEAD_MINUTES = 0
    assert next_case_for(desk.agent, now + 91 * M) == overdue[0]
    # The VIP case's bound (now+150) is within the lead, the standard ones' (now+600) not.
    settings.CAREDESK_QUEUE_BOUND_LEAD_MINUTES = 240
    assert next_case_for(desk.agent, now + 91 * M) == vip
    # Within the lead of both: earliest bound first.
    settings.CAREDESK_QUEUE_BOUND_LEAD_MINUTES = 600
    assert next_case_for(desk.agent, now + 91 * M) == vip
    assert next_case_for(desk.agent, now + 500 * M) == vip
    served = [claim_next_case(desk.agent, now + (91 + i) * M) for i in range(4)]
    assert served == [vip, *overdue]


def test_claiming_assigns_through_the_case_action(desk, now, policy):
    ticket = open_case(desk, now)
    mail.outbox.clear()
    claimed = claim_next_case(desk.agent, now + M)
    assert claimed.pk == ticket.pk
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.assignee == desk.agent and row.status == "open"
    assert row.queue_rank_at is None and row.queue_aging_at is None
    assert row.events.filter(verb="assigned").exists()
    assert claim_next_case(desk.agent, now + M) is None


def test_customers_and_inactive_staff_get_nothing(desk, now, policy):
    open_case(desk, now)
    assert next_case_for(desk.alice.user, now) is None
    desk.agent.is_active = False
    assert next_case_for(desk.agent, now) is None


def test_flood_of_vip_cases_does_not_starve_standard_customers(desk, now, always_open):
    """Simulation: VIP cases arrive faster than the desk can serve them (one every 2 minutes
    against one served every 5). Standard cases still get served within their bound."""
    SlaPolicy.objects.create(name="All", calendar=always_open, first_response_minutes=240)
    TierRule.objects.create(tier=Tier.VIP, weight=0.25)
    TierRule.objects.create(tier=Tier.STANDARD, weight=1.0, max_wait_minutes=60)
    bound = timedelta(minutes=60)
    service_every = 5
    small = [make_customer(f"small{i}@shop.test", organization=desk.small) for i in range(3)]
    opened_at: dict[int, object] = {}
    served_after: dict[int, timedelta] = {}
    for minute in range(0, 300):
        t = now + minute * M
        if minute % 2 == 0:
            open_case(desk, t, customer=desk.alice, subject=f"VIP {minute}")
        if minute % 25 == 0:
            case = open_case(desk, t, customer=small[minute % 3], subject=f"Small {minute}")
            opened_at[case.pk] = t
        if minute % service_every == 4:
            case = claim_next_case(desk.agent, t)
            assert case is not None
            if case.pk in opened_at:
                served_after[case.pk] = t - opened_at[case.pk]
    # Every standard case that arrived early enough was served, each within bound + one turn.
    due = [pk for pk, t in opened_at.items() if t + bound + service_every * M < now + 300 * M]
    assert due and all(pk in served_after for pk in due)
    assert max(served_after.values()) <= bound + service_every * M
    # And VIPs did keep the agent busy: the queue still holds VIP cases.
    assert Ticket.objects.filter(assignee__isnull=True, organization=desk.acme).count() > 50
