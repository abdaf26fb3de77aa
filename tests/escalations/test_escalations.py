"""Escalations: owner and business-time deadline, moving up a level, and the ways in:
agent, SLA breach, portal and email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from caredesk.core import deadlines
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.escalations import actions, detect, tasks
from caredesk.escalations.models import Escalation, EscalationSource
from caredesk.sla import actions as sla_actions
from caredesk.sla.models import BusinessCalendar, SlaPolicy
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import AuditEvent, Channel
from tests.escalations.conftest import open_case


def escalate(desk, ticket, now, **kw):
    params = dict(
        actor=desk.agent,
        source=EscalationSource.AGENT,
        reason="Customer disputes the fee; policy allows no waiver at my level.",
        handoff_summary="Explained the fee twice; customer asks for a waiver.",
        now=now,
    )
    params.update(kw)
    return actions.do_escalate(ticket, **params)


def test_agent_escalation_has_owner_deadline_and_pinned_words(desk, now):
    ticket = open_case(desk, now)
    result = escalate(desk, ticket, now)
    esc = result.escalation
    assert result.created and esc.owner == desk.lead and esc.level == "lead"
    assert esc.due_at == now + timedelta(hours=4)  # 24/7 fallback, 240 business minutes
    event = AuditEvent.objects.get(verb="escalated")
    assert event.public and "a team lead" in event.note
    # The owner's mail carries the reason, the handoff summary and the customer's words.
    sent = [m for m in mail.outbox if m.to == ["lena@desk.test"]][-1]
    assert "charged my card twice" in sent.body and "Explained the fee twice" in sent.body
    # The handoff summary is a staff note on the case.
    assert ticket.messages.filter(kind="note", body__contains="Explained the fee").exists()


def test_escalation_deadline_uses_the_teams_business_calendar(desk, office):
    from datetime import UTC, datetime

    friday_4pm_berlin = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    ticket = open_case(desk, friday_4pm_berlin)
    esc = escalate(desk, ticket, friday_4pm_berlin).escalation
    assert esc.due_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def test_unanswered_escalation_moves_up_one_level_at_a_time(desk, now):
    ticket = open_case(desk, now)
    esc = escalate(desk, ticket, now).escalation
    assert not actions.step_up_escalation(esc.pk, esc.due_at - timedelta(seconds=1))
    assert actions.step_up_escalation(esc.pk, esc.due_at)
    esc.refresh_from_db()
    assert (esc.level, esc.owner) == ("manager", desk.manager)
    assert not actions.step_up_escalation(esc.pk, esc.due_at - timedelta(seconds=1))
    deadlines.sweep(esc.due_at)  # the minute sweep does the same
    esc.refresh_from_db()
    assert (esc.level, esc.owner) == ("admin", desk.admin)
    deadlines.sweep(esc.due_at)
    esc.refresh_from_db()
    assert esc.stalled and esc.due_at is None and esc.is_open
    steps = AuditEvent.objects.filter(verb="escalation_stepped_up")
    assert [e.new_value["level"] for e in steps] == ["manager", "admin"]
    assert AuditEvent.objects.filter(verb="escalation_stalled").count() == 1
    assert any("unanswered at every level" in m.subject for m in mail.outbox)


def test_answering_stops_the_clock(desk, now):
    ticket = open_case(desk, now)
    esc = escalate(desk, ticket, now).escalation
    with pytest.raises(PermissionDenied):
        actions.do_resolve_escalation(esc, actor=desk.other_agent, resolution="ok", now=now)
    actions.do_resolve_escalation(esc, actor=desk.lead, resolution="Waive it this once.", now=now)
    assert not actions.step_up_escalation(esc.pk, now + timedelta(days=1))
    with pytest.raises(DomainError):
        actions.do_resolve_escalation(esc, actor=desk.lead, resolution="again", now=now)
    assert mail.outbox[-1].to == ["ada@desk.test"] and "Waive it" in mail.outbox[-1].body


def test_one_open_escalation_per_case_joined_or_raised(desk, now):
    ticket = open_case(desk, now)
    first = escalate(desk, ticket, now).escalation
    joined = actions.do_request_supervisor(
        ticket, customer_user=desk.alice.user, reason="", now=now, source="customer_portal"
    )
    assert not joined.created and joined.escalation.pk == first.pk
    raised = escalate(desk, ticket, now, level="manager")
    assert raised.raised and raised.escalation.owner == desk.manager
    assert Escalation.objects.filter(ticket=ticket).count() == 1


def test_hostile_escalation_input(desk, now):
    ticket = open_case(desk, now)
    with pytest.raises(DomainError):
        escalate(desk, ticket, now, reason="")
    with pytest.raises(DomainError):
        escalate(desk, ticket, now, reason="x" * 5001)
    with pytest.raises(DomainError):
        escalate(desk, ticket, now, level="ceo")
    with pytest.raises(DomainError):
        escalate(desk, ticket, now, source="martians")
    with pytest.raises(PermissionDenied):  # a customer cannot pose as an agent
        escalate(desk, ticket, now, actor=desk.alice.user)
    assert not Escalation.objects.exists()


def test_sla_breach_opens_one_system_escalation(desk, now):
    cal = BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)
    SlaPolicy.objects.create(
        name="Fast", calendar=cal, first_response_minutes=60, resolution_minutes=90
    )
    ticket = open_case(desk, now)
    sla_actions.do_fire_alarms(ticket.pk, now + timedelta(minutes=61))
    sla_actions.do_fire_alarms(ticket.pk, now + timedelta(minutes=62))  # again: nothing new
    sla_actions.do_fire_alarms(ticket.pk, now + timedelta(minutes=91))  # second target joins
    esc = Escalation.objects.get(ticket=ticket)
    assert esc.source == EscalationSource.SLA_BREACH and esc.owner == desk.lead
    assert esc.raised_by is None
    assert AuditEvent.objects.filter(verb="escalation_joined").count() == 1


def test_customer_requests_a_supervisor_in_the_portal(desk, now):
    ticket = open_case(desk, now)
    client = Client()
    client.force_login(desk.alice.user)
    page = client.get(f"/portal/cases/{ticket.pk}/")
    assert b"Request a supervisor" in page.content
    response = client.post(
        f"/escalations/portal/cases/{ticket.pk}/supervisor", {"reason": "Nobody listens."}
    )
    assert response.status_code == 302
    esc = Escalation.objects.get(ticket=ticket)
    assert esc.source == EscalationSource.CUSTOMER_PORTAL and esc.owner == desk.lead
    assert "Nobody listens." in esc.reason
    page = client.get(f"/portal/cases/{ticket.pk}/")
    assert b"a response is due by" in page.content
    assert b"Request a supervisor" not in page.content


def test_customer_cannot_escalate_someone_elses_case(desk, now):
    ticket = open_case(desk, now)
    client = Client()
    client.force_login(desk.bob.user)
    response = client.post(f"/escalations/portal/cases/{ticket.pk}/supervisor", {"reason": "x"})
    assert response.status_code == 404
    assert client.post("/escalations/portal/cases/99999999/supervisor").status_code == 404
    assert not Escalation.objects.exists()
    # Staff cannot use the customer's button either.
    staff = Client()
    staff.force_login(desk.agent)
    assert staff.post(f"/escalations/portal/cases/{ticket.pk}/supervisor").status_code != 302


def test_a_request_in_an_email_escalates(desk, now):
    ticket = open_case(desk, now, channel=Channel.EMAIL)
    ticket_actions.do_add_customer_message(
        ticket,
        customer=desk.alice,
        body="Thanks for nothing.\n\nI want to speak to a manager about this today.",
        channel=Channel.EMAIL,
        now=now,
    )
    message = ticket.messages.order_by("-id").first()
    tasks.check_email_for_escalation.call(message.pk)
    esc = Escalation.objects.get(ticket=ticket)
    assert esc.source == EscalationSource.CUSTOMER_EMAIL
    assert "speak to a manager" in esc.reason


@pytest.mark.parametrize(
    "text",
    [
        "I want to speak to a manager.",
        "Please put me through to your supervisor",
        "Can I talk to someone senior?",
        "I demand a supervisor call me back",
        "Please escalate this.",
        "let me speak with the team lead",
    ],
)
def test_supervisor_requests_are_recognised(text):
    assert detect.supervisor_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "My manager asked me to order ten more.",
        "The manager of the shop was very kind.",
        "Thank you, no need to escalate anything.",
        "",
        "x" * 100_000,
    ],
)
def test_ordinary_mentions_are_not_requests(text):
    assert detect.supervisor_request(text) is None


def test_notice_mail_shows_the_words_as_written_in_text_and_in_html(desk, now):
    words = 'I\'m told <b>nothing</b> & "nobody" answers.'
    ticket = open_case(desk, now, subject="O'Brien's refund <urgent>", body=words)
    escalate(desk, ticket, now, reason="Fee waiver > my limit & the customer's angry")
    sent = [m for m in mail.outbox if m.to == ["lena@desk.test"]][-1]
    # Plain text is plain: no HTML entities anywhere.
    assert f"> {words}" in sent.body
    assert "O'Brien's refund <urgent>" in sent.body
    assert "Fee waiver > my limit & the customer's angry" in sent.body
    assert "&#x27;" not in sent.body and "&gt;" not in sent.body and "&amp;" not in sent.body
    # The HTML part is HTML: real paragraphs, each character escaped once.
    html = next(content for content, kind in sent.alternatives if kind == "text/html")
    assert "<p>" in html and "&lt;p&gt;" not in html
    assert "I&#x27;m told &lt;b&gt;nothing&lt;/b&gt; &amp; &quot;nobody&quot; answers." in html
    assert "&amp;#x27;" not in html and "&amp;lt;" not in html and "&amp;gt;" not in html
