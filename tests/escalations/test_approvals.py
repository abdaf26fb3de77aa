"""Authority limits and approvals: routing by amount, decisions, deadlines, delegation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from caredesk.accounts.actions import do_set_away
from caredesk.core import deadlines
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.escalations import actions
from caredesk.escalations.models import ApprovalStatus, GoodwillAction
from caredesk.tickets.models import AuditEvent, MessageKind
from tests.conftest import make_staff
from tests.escalations.conftest import open_case


def request(desk, now, types, amount, slug="refund", agent=None, ticket=None):
    ticket = ticket or open_case(desk, now)
    return actions.do_request_goodwill(
        ticket,
        agent=agent or desk.agent,
        action_type=types[slug],
        amount=amount,
        reason="Charged twice; the bank statement shows both payments.",
        now=now,
    )


def test_within_the_agents_limit_applies_at_once_and_is_audited(desk, now, types):
    outcome = request(desk, now, types, "40")
    assert outcome.approval is None
    applied = outcome.applied
    assert applied.amount == Decimal("40.00") and applied.applied_by == desk.agent
    event = AuditEvent.objects.get(verb="goodwill_applied")
    assert event.new_value["amount"] == "40.00 EUR"


@pytest.mark.parametrize(
    ("amount", "slug", "role", "approver"),
    [
        ("50.01", "refund", "lead", "lead"),
        ("500", "refund", "lead", "lead"),
        ("500.01", "refund", "manager", "manager"),
        ("4999", "credit", "manager", "manager"),
        ("7000", "refund", "admin", "admin"),
        ("", "policy-exception", "lead", "lead"),
        ("", "vip-exception", "manager", "manager"),
    ],
)
def test_routed_to_the_lowest_role_whose_limit_covers_it(
    desk, now, types, amount, slug, role, approver
):
    approval = request(desk, now, types, amount, slug=slug).approval
    assert approval.required_role == role
    assert approval.approver == getattr(desk, approver)
    assert approval.status == ApprovalStatus.PENDING
    # The approver is told by mail, with the case, amount, reason and the customer's words.
    sent = [m for m in mail.outbox if m.to == [getattr(desk, approver).email]][-1]
    assert "charged my card twice" in sent.body
    assert "bank statement" in sent.body


def test_team_lead_first_then_another_teams_lead_is_not_used(desk, now, types):
    # Otto's team (Delivery) has no lead: the refund goes to a manager, not Billing's lead.
    ticket = open_case(desk, now, team=desk.delivery)
    approval = request(desk, now, types, "120", agent=desk.other_agent, ticket=ticket).approval
    assert approval.approver == desk.manager
    assert approval.level == "manager"


def test_a_lead_above_their_own_limit_goes_to_a_manager(desk, now, types):
    approval = request(desk, now, types, "600", agent=desk.lead).approval
    assert approval.approver == desk.manager


def test_away_approver_without_delegate_moves_to_the_next_level(desk, now, types):
    do_set_away(user=desk.lead, away=True, now=now)
    approval = request(desk, now, types, "120").approval
    assert approval.approver == desk.manager and approval.level == "manager"
    assert AuditEvent.objects.get(verb="approval_requested").new_value["skipped"] == [
        "Lena Lead is away"
    ]


def test_delegation_window_routes_to_the_delegate(desk, now, types):
    deputy = make_staff("dora@desk.test", "lead", "Dora Deputy", desk.billing)
    actions.do_delegate(
        delegator=desk.lead,
        delegate=deputy,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        now=now,
    )
    do_set_away(user=desk.lead, away=True, now=now)
    approval = request(desk, now, types, "120").approval
    assert approval.approver == deputy and approval.on_behalf_of == desk.lead
    actions.do_decide_approval(approval, actor=deputy, decision="approve", now=now)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    # Outside the window the delegation no longer applies.
    later = now + timedelta(days=8)
    do_set_away(user=desk.lead, away=False, now=later)
    again = request(desk, later, types, "130").approval
    assert again.approver == desk.lead and again.on_behalf_of is None


def test_a_delegate_named_after_routing_may_decide(desk, now, types):
    approval = request(desk, now, types, "120").approval
    deputy = make_staff("dora@desk.test", "agent", "Dora Deputy", desk.billing)
    with pytest.raises(PermissionDenied):
        actions.do_decide_approval(approval, actor=deputy, decision="approve", now=now)
    actions.do_delegate(
        delegator=desk.lead,
        delegate=deputy,
        starts_at=now,
        ends_at=now + timedelta(days=1),
        now=now,
    )
    actions.do_decide_approval(approval, actor=deputy, decision="approve", now=now)
    assert GoodwillAction.objects.filter(approval=approval).exists()


def test_lead_approves_a_lower_amount_with_a_reason_the_agent_sees(desk, now, types):
    approval = request(desk, now, types, "120").approval
    actions.do_decide_approval(
        approval,
        actor=desk.lead,
        decision="approve_other",
        amount="80",
        reason="One payment was a pre-authorisation that already fell away.",
        now=now,
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED_CHANGED
    assert approval.granted_amount == Decimal("80.00")
    applied = GoodwillAction.objects.get(approval=approval)
    assert applied.amount == Decimal("80.00")
    to_agent = [m for m in mail.outbox if m.to == [desk.agent.email]][-1]
    assert "pre-authorisation" in to_agent.body and "80.00 EUR" in to_agent.body
    # One click tells the customer; a second click does not send it again.
    message = actions.do_tell_customer_outcome(approval, actor=desk.agent, now=now)
    assert message.kind == MessageKind.REPLY and "80.00 EUR" in message.body
    assert "pre-authorisation" not in message.body  # the internal reason stays internal
    assert mail.outbox[-1].to == ["alice@acme.test"]
    with pytest.raises(Conflict):
        actions.do_tell_customer_outcome(approval, actor=desk.agent, now=now)


def test_decisions_are_checked(desk, now, types):
    approval = request(desk, now, types, "120").approval
    with pytest.raises(PermissionDenied):  # the requester never decides their own request
        actions.do_decide_approval(approval, actor=desk.agent, decision="approve", now=now)
    with pytest.raises(PermissionDenied):  # another team's agent
        actions.do_decide_approval(approval, actor=desk.other_agent, decision="approve", now=now)
    with pytest.raises(DomainError):  # a denial needs a reason
        actions.do_decide_approval(approval, actor=desk.lead, decision="deny", now=now)
    with pytest.raises(PermissionDenied):  # above the lead's own authority
        actions.do_decide_approval(
            approval, actor=desk.lead, decision="approve_other", amount="900", reason="x", now=now
        )
    with pytest.raises(DomainError):
        actions.do_decide_approval(approval, actor=desk.lead, decision="maybe", now=now)
    # A manager (above the level) may decide it.
    actions.do_decide_approval(approval, actor=desk.manager, decision="deny", reason="No.", now=now)
    with pytest.raises(Conflict):
        actions.do_decide_approval(approval, actor=desk.lead, decision="approve", now=now)
    assert not GoodwillAction.objects.filter(approval=approval).exists()


@pytest.mark.parametrize(
    "amount",
    ["abc", "-5", "0", "1e12", "NaN", "Infinity", "12.345", "", None, "9" * 40, "1,,2.3.4"],
)
def test_hostile_amounts_are_refused_with_a_message(desk, now, types, amount):
    with pytest.raises(DomainError) as caught:
        request(desk, now, types, amount)
    assert caught.value.message
    assert not GoodwillAction.objects.exists()


def test_hostile_reasons(desk, now, types):
    ticket = open_case(desk, now)
    for reason in ["", "   ", "\x00\x01", "x" * 5001]:
        with pytest.raises(DomainError):
            actions.do_request_goodwill(
                ticket,
                agent=desk.agent,
                action_type=types["refund"],
                amount="5",
                reason=reason,
                now=now,
            )


def test_decision_deadline_moves_up_a_level_once(desk, now, types):
    approval = request(desk, now, types, "120").approval
    # 24/7 fallback (no calendar on the case): four business hours.
    assert approval.due_at == now + timedelta(hours=4)
    assert not actions.step_up_approval(approval.pk, approval.due_at - timedelta(seconds=1))
    assert actions.step_up_approval(approval.pk, approval.due_at)
    approval.refresh_from_db()
    assert approval.level == "manager" and approval.approver == desk.manager
    assert approval.steps == 1
    assert not actions.step_up_approval(approval.pk, now + timedelta(hours=4))  # idempotent
    # The sweep moves it again when the manager misses the new deadline; then it stalls.
    deadlines.sweep(approval.due_at)
    approval.refresh_from_db()
    assert approval.level == "admin" and approval.approver == desk.admin
    deadlines.sweep(approval.due_at)
    approval.refresh_from_db()
    assert approval.stalled and approval.due_at is None
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="approval_").values_list("verb", flat=True)
    )
    assert verbs == [
        "approval_requested",
        "approval_stepped_up",
        "approval_stepped_up",
        "approval_stalled",
    ]


def test_decision_deadline_is_in_business_time(desk, types, office):
    friday_4pm_berlin = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    approval = request(desk, friday_4pm_berlin, types, "120").approval
    # One business hour on Friday, three on Monday from 9:00 Berlin (08:00 UTC).
    assert approval.due_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
