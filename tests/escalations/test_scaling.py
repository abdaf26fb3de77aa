"""Escalations that hold up under a real month (issue 15): the abuse review is never lost
on a case that is already escalated, one agent's breaches and misses are one item for the
lead, nothing goes to an inactive or away account, and decisions move up a level before
their deadline is missed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.test import Client

from caredesk.accounts.models import Role, User
from caredesk.core import deadlines
from caredesk.core.models import Notification
from caredesk.escalations import actions, selectors
from caredesk.escalations.models import (
    ApprovalRequest,
    Escalation,
    EscalationSource,
    ProtectedConversation,
)
from caredesk.promises.actions import PromiseDraft, do_make_promise
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import AuditEvent
from tests.case_page import case_page_html
from tests.conftest import make_staff
from tests.escalations.conftest import open_case


def assigned_case(desk, now, **kw):
    ticket = open_case(desk, now, **kw)
    return ticket_actions.do_assign(
        ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now
    )


def system_escalation(ticket, now, source=EscalationSource.SLA_BREACH):
    """What the reaction to ``sla.breached`` / ``promise.missed`` does."""
    return actions.do_escalate(
        ticket, actor=None, source=source, reason="The first-response target was missed.", now=now
    )


def notices(user, kind):
    return Notification.objects.filter(recipient_id=user.pk, kind=kind).count()


# --- finding 2: the abuse review is recorded whichever escalation carries it ------------


def test_abuse_review_on_a_breached_case_is_recorded_by_answering_the_breach(desk, now):
    ticket = assigned_case(desk, now)
    breach = system_escalation(ticket, now).escalation
    assert breach.source == EscalationSource.SLA_BREACH and not breach.abuse_review

    later = now + timedelta(minutes=20)
    protection = actions.do_end_abusive_conversation(
        ticket, agent=desk.agent, reason="Insults after two warnings.", now=later
    )
    # It joined the open breach escalation, which now carries the review, and the
    # owner was told that their answer is the review.
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    breach.refresh_from_db()
    assert breach.abuse_review and breach.owner == desk.lead
    assert notices(desk.lead, "escalation") >= 1
    # Visible on the case page and on the escalation page.
    client = Client()
    client.force_login(desk.lead)
    case_page = case_page_html(client, ticket.pk)
    assert "Includes the review of the ended abusive conversation" in case_page
    assert "the answer to the open escalation" in case_page
    esc_page = client.get(f"/escalations/{breach.pk}/").content.decode()
    assert "Includes the review of an ended abusive conversation" in esc_page

    actions.do_resolve_escalation(
        breach, actor=desk.lead, resolution="Agent acted within policy.", now=later
    )
    protection.refresh_from_db()
    assert protection.reviewed_by == desk.lead and protection.reviewed_at == later
    review = AuditEvent.objects.get(ticket=ticket, verb="abuse_reviewed")
    assert review.note == "Agent acted within policy."
    case_page = case_page_html(client, ticket.pk)
    assert "Reviewed by Lena Lead" in case_page


def test_abuse_review_leaves_a_group_to_be_answered_on_its_own(desk, now):
    first = assigned_case(desk, now)
    second = assigned_case(desk, now, subject="Second case")
    primary = system_escalation(first, now).escalation
    member = system_escalation(second, now + timedelta(minutes=5)).escalation
    assert member.parent_id == primary.pk
    actions.do_end_abusive_conversation(
        second, agent=desk.agent, reason="Threats.", now=now + timedelta(minutes=10)
    )
    member.refresh_from_db()
    assert member.abuse_review and member.parent_id is None and member.due_at is not None
    # Answering the group does not answer the review in passing.
    actions.do_resolve_escalation(primary, actor=desk.lead, resolution="Handled.", now=now)
    member.refresh_from_db()
    assert member.is_open
    assert ProtectedConversation.objects.get(ticket=second).reviewed_at is None


# --- finding 4: one agent's breaches and misses are one escalation for the lead ----------


def test_ten_breaches_of_one_owner_are_one_escalation_and_one_notice_for_the_lead(desk, now):
    cases = [assigned_case(desk, now, subject=f"Case {i}") for i in range(10)]
    for i, ticket in enumerate(cases):
        system_escalation(
            ticket, now + timedelta(minutes=5 * i), source=EscalationSource.MISSED_PROMISE
        )
    owned = selectors.escalations_owned_by(desk.lead, now)
    assert len(owned) == 1
    (primary,) = owned
    assert primary.ticket_id == cases[0].pk and primary.member_count == 9
    assert notices(desk.lead, "escalation") == 1
    # Every case still shows that it is escalated, with the lead and the group's deadline.
    members = Escalation.objects.filter(parent=primary)
    assert members.count() == 9
    assert {m.owner_id for m in members} == {desk.lead.pk}
    assert all(m.due_at is None for m in members)  # the primary's deadline carries them
    assert AuditEvent.objects.filter(verb="escalated", public=True).count() == 10

    # The lead sees the nine other cases on the escalation page, and one answer closes all.
    client = Client()
    client.force_login(desk.lead)
    page = client.get(f"/escalations/{primary.pk}/").content.decode()
    assert "Also answered with this escalation (9)" in page
    member_page = case_page_html(client, cases[3].pk)
    assert "Grouped with the escalation of" in member_page
    assert cases[0].reference in member_page and "Answer due" in member_page
    actions.do_resolve_escalation(
        primary, actor=desk.lead, resolution="Ada is overloaded; moved half her queue.", now=now
    )
    assert not Escalation.objects.filter(status="open").exists()
    assert AuditEvent.objects.filter(verb="escalation_answered").count() == 10


def test_a_step_up_takes_the_whole_group_and_the_window_ends(desk, now):
    cases = [assigned_case(desk, now, subject=f"Case {i}") for i in range(3)]
    primary = system_escalation(cases[0], now).escalation
    system_escalation(cases[1], now + timedelta(minutes=30))
    assert actions.step_up_escalation(primary.pk, primary.due_at)
    assert set(Escalation.objects.filter(status="open").values_list("owner", flat=True)) == {
        desk.manager.pk
    }
    # A breach after the window opens an escalation of its own.
    fresh = system_escalation(cases[2], now + timedelta(minutes=61)).escalation
    assert fresh.parent_id is None and fresh.owner == desk.lead


def test_missed_promises_of_one_owner_reach_the_lead_as_one_notice(desk, now):
    cases = [assigned_case(desk, now, subject=f"Case {i}") for i in range(10)]
    due = now + timedelta(hours=2)
    for ticket in cases:
        do_make_promise(
            ticket,
            actor=desk.agent,
            draft=PromiseDraft(kind="callback", text="Call back about the refund", due_at=due),
            now=now,
        )
    deadlines.sweep(due + timedelta(minutes=1))
    assert Escalation.objects.filter(source=EscalationSource.MISSED_PROMISE).count() == 10
    assert len(selectors.escalations_owned_by(desk.lead, due)) == 1
    assert notices(desk.lead, "promise_escalated") == 1
    assert notices(desk.lead, "escalation") == 1
    assert notices(desk.agent, "promise_missed") == 10  # the owner hears of each of theirs


# --- finding 4: never to inactive, away or non-staff accounts --------------------------


def test_no_escalation_to_an_inactive_or_away_admin(desk, now):
    desk.admin.is_active = False
    desk.admin.save()
    away = make_staff("ana@desk.test", Role.ADMIN, "Ana Away")
    away.is_away = True
    away.save()
    ticket = assigned_case(desk, now)
    esc = system_escalation(ticket, now).escalation
    assert actions.step_up_escalation(esc.pk, esc.due_at)  # to the manager
    esc.refresh_from_db()
    assert actions.step_up_escalation(esc.pk, esc.due_at)  # to the admins: nobody working
    esc.refresh_from_db()
    assert esc.level == Role.ADMIN and esc.owner is None
    # The admins were told the level had nobody (the away one reads it on return; the
    # inactive account gets nothing).
    assert notices(away, "escalation_unstaffed") == 1
    assert notices(desk.admin, "escalation_unstaffed") == 0
    assert notices(desk.admin, "escalation") == 0 and notices(away, "escalation") == 0

    # With a working admin, it goes to them.
    working = make_staff("wim@desk.test", Role.ADMIN, "Wim Working")
    other = assigned_case(desk, now, subject="Another one")
    esc2 = actions.do_escalate(
        other,
        actor=desk.agent,
        source=EscalationSource.AGENT,
        reason="Refund?",
        now=now,
        level=Role.ADMIN,
    ).escalation
    assert esc2.owner == working


def test_inactive_lead_is_skipped_and_the_admins_alerted(desk, now):
    ticket = assigned_case(desk, now)
    desk.lead.is_active = False
    desk.lead.save()
    esc = system_escalation(ticket, now).escalation
    assert esc.owner == desk.manager and esc.level == Role.MANAGER
    assert notices(desk.admin, "escalation_unstaffed") == 1
    assert notices(desk.lead, "escalation") == 0


def test_non_staff_admin_role_account_never_owns_an_escalation(desk, now):
    intake = User.objects.create_user("intake@desk.test", "x" * 20, name="Intake", role="customer")
    intake.is_superuser = True
    intake.save()
    ticket = assigned_case(desk, now)
    esc = actions.do_escalate(
        ticket,
        actor=desk.agent,
        source=EscalationSource.AGENT,
        reason="Help",
        now=now,
        level=Role.ADMIN,
    ).escalation
    assert esc.owner == desk.admin


# --- finding 4: step up before the deadline --------------------------------------------


def test_escalation_steps_up_before_its_deadline_and_keeps_it(desk, now):
    ticket = assigned_case(desk, now)
    esc = system_escalation(ticket, now).escalation
    due = esc.due_at
    assert due == now + timedelta(minutes=240)
    assert esc.step_up_at == now + timedelta(minutes=180)  # 75 % of the window
    deadlines.sweep(esc.step_up_at - timedelta(minutes=1))
    esc.refresh_from_db()
    assert esc.owner == desk.lead
    deadlines.sweep(esc.step_up_at)
    esc.refresh_from_db()
    assert esc.level == Role.MANAGER and esc.owner == desk.manager
    assert esc.due_at == due and esc.step_up_at is None  # the same deadline, decided within
    step = AuditEvent.objects.get(verb="escalation_stepped_up")
    assert step.new_value["early"] is True
    assert notices(desk.manager, "escalation") == 1
    answered_at = due - timedelta(minutes=10)
    actions.do_resolve_escalation(esc, actor=desk.manager, resolution="Done.", now=answered_at)
    esc.refresh_from_db()
    assert esc.resolved_at < due
    deadlines.sweep(due + timedelta(hours=1))  # nothing left to fire
    assert AuditEvent.objects.filter(verb="escalation_stepped_up").count() == 1


def test_approval_steps_up_before_its_deadline(desk, now, types):
    ticket = assigned_case(desk, now)
    outcome = actions.do_request_goodwill(
        ticket,
        agent=desk.agent,
        action_type=types["credit"],
        amount=Decimal("120"),
        reason="Charged twice; a credit makes it right.",
        now=now,
    )
    approval = outcome.approval
    assert approval is not None and approval.approver == desk.lead
    due = approval.due_at
    assert approval.step_up_at == now + timedelta(minutes=180)
    deadlines.sweep(approval.step_up_at)
    approval.refresh_from_db()
    assert approval.approver == desk.manager and approval.due_at == due
    actions.do_decide_approval(
        approval,
        actor=desk.manager,
        decision="approve",
        reason="Fair.",
        now=due - timedelta(minutes=5),
    )
    approval = ApprovalRequest.objects.get(pk=approval.pk)
    assert approval.decided_at < due and approval.is_approved


def test_step_up_share_can_be_turned_off(desk, now, settings):
    settings.CAREDESK_DECISION_STEP_UP_SHARE = 0
    esc = system_escalation(assigned_case(desk, now), now).escalation
    assert esc.step_up_at is None and esc.due_at == now + timedelta(minutes=240)
