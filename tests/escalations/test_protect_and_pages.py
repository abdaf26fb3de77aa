"""Ending an abusive conversation; the case page panels; hostile form input; access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from caredesk.core.errors import Conflict
from caredesk.escalations import actions
from caredesk.escalations.models import (
    ApprovalRequest,
    Escalation,
    EscalationSource,
    GoodwillAction,
    ProtectedConversation,
)
from caredesk.escalations.texts import END_OF_CONVERSATION_NOTICE
from caredesk.feedback.selectors import agent_record
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Status
from tests.case_page import case_page_html
from tests.escalations.conftest import open_case


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_ending_an_abusive_conversation(desk, now):
    ticket = open_case(desk, now)
    ticket_actions.do_assign(
        ticket, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=now
    )
    protection = actions.do_end_abusive_conversation(
        ticket, agent=desk.agent, reason="Repeated insults after two warnings.", now=now
    )
    ticket.refresh_from_db()
    # The customer got the standard notice; the case is with the lead for review.
    assert mail.outbox[-2].to == ["alice@acme.test"] or any(
        m.to == ["alice@acme.test"] and "abusive" in m.body for m in mail.outbox
    )
    assert ticket.messages.filter(kind="reply", body=END_OF_CONVERSATION_NOTICE).exists()
    assert ticket.assignee == desk.lead
    esc = Escalation.objects.get(ticket=ticket)
    assert esc.source == EscalationSource.ABUSE_REVIEW and esc.owner == desk.lead
    assert protection.excluded_from_agent_metrics
    with pytest.raises(Conflict):
        actions.do_end_abusive_conversation(ticket, agent=desk.agent, reason="", now=now)
    # Answering the review marks the conversation reviewed.
    actions.do_resolve_escalation(esc, actor=desk.lead, resolution="Agent was right.", now=now)
    protection.refresh_from_db()
    assert protection.reviewed_by == desk.lead


def test_an_ended_conversation_does_not_count_against_the_agent(desk, now):
    ticket = open_case(desk, now)
    ticket_actions.do_assign(
        ticket, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=now
    )
    ProtectedConversation.objects.create(ticket=ticket, agent=desk.agent, ended_at=now)
    ticket_actions.do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=now)
    record = agent_record(desk.agent)
    assert record.cases_resolved == 0 and record.protected_cases == 1


def test_case_page_shows_the_panels(desk, now):
    ticket = open_case(desk, now)
    body = case_page_html(staff_client(desk.agent), ticket.pk)
    for text in ("Escalate this case", "Offer a goodwill action", "End an abusive conversation"):
        assert text in body
    assert "Refund: up to 50.00 EUR" in body


def test_goodwill_form_routes_and_reports_back(desk, now, types):
    ticket = open_case(desk, now)
    client = staff_client(desk.agent)
    response = client.post(
        f"/escalations/cases/{ticket.pk}/goodwill",
        {"action_type": types["refund"].pk, "amount": "120", "reason": "Charged twice."},
        follow=True,
    )
    assert "sent to Lena Lead for approval" in response.content.decode()
    assert ApprovalRequest.objects.filter(ticket=ticket, approver=desk.lead).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action_type": "abc", "amount": "5", "reason": "x"},
        {"action_type": "999999", "amount": "5", "reason": "x"},
        {"action_type": "1", "amount": "-1", "reason": "x"},
        {"action_type": "1", "amount": "5" * 30, "reason": "x"},
        {"action_type": "1", "amount": "5", "reason": "x" * 6000},
        {"action_type": "1", "amount": "<script>", "reason": "<b>x</b>"},
    ],
)
def test_hostile_goodwill_posts_get_a_clear_error(desk, now, data):
    ticket = open_case(desk, now)
    response = staff_client(desk.agent).post(
        f"/escalations/cases/{ticket.pk}/goodwill", data, follow=True
    )
    assert response.status_code == 200
    assert b'class="flash-error"' in response.content
    assert not GoodwillAction.objects.exists() and not ApprovalRequest.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"level": "ceo", "reason": "x"}, {"level": "lead", "reason": ""}, {"reason": "x" * 6000}],
)
def test_hostile_escalation_posts(desk, now, data):
    ticket = open_case(desk, now)
    response = staff_client(desk.agent).post(
        f"/escalations/cases/{ticket.pk}/escalate", data, follow=True
    )
    assert response.status_code == 200 and b"flash-error" in response.content
    assert not Escalation.objects.exists()


def test_decision_page_access_and_hostile_input(desk, now, types):
    ticket = open_case(desk, now)
    approval = actions.do_request_goodwill(
        ticket, agent=desk.agent, action_type=types["refund"], amount="120", reason="x", now=now
    ).approval
    url = f"/escalations/approvals/{approval.pk}/"
    # Otto (Delivery) cannot see the Billing case: 404, not 403.
    assert staff_client(desk.other_agent).get(url).status_code == 404
    assert (
        staff_client(desk.other_agent).post(url + "decide", {"decision": "approve"}).status_code
        == 404
    )
    lead = staff_client(desk.lead)
    page = lead.get(url)
    assert page.status_code == 200 and b"charged my card twice" in page.content
    assert lead.post(url + "decide", {"decision": "maybe"}).status_code == 400
    bad = lead.post(url + "decide", {"decision": "approve_other", "amount": "abc", "reason": "x"})
    assert bad.status_code == 400 and b"must be a number" in bad.content
    big = lead.post(url + "decide", {"decision": "approve_other", "amount": "900", "reason": "x"})
    assert big.status_code == 403 and b"above your authority" in big.content
    # The requester sees the page but no decision form.
    own = staff_client(desk.agent).get(url)
    assert own.status_code == 200 and b"Save decision" not in own.content
    ok = lead.post(url + "decide", {"decision": "approve"})
    assert ok.status_code == 302
    assert lead.get("/escalations/approvals/99999999/").status_code == 404


def test_inbox_lists_what_waits(desk, now, types):
    ticket = open_case(desk, now)
    actions.do_request_goodwill(
        ticket, agent=desk.agent, action_type=types["refund"], amount="120", reason="x", now=now
    )
    actions.do_escalate(
        ticket, actor=desk.agent, source="agent", reason="Needs a decision", now=now
    )
    page = staff_client(desk.lead).get("/escalations/")
    body = page.content.decode()
    assert page.status_code == 200 and ticket.reference in body
    assert "Waiting for your decision" in body and "Needs a decision" in body
    empty = staff_client(desk.other_agent).get("/escalations/")
    assert b"No approvals are waiting for you." in empty.content
    report = staff_client(desk.manager).get("/escalations/reports/approvals/?vip=1")
    assert report.status_code == 200
    assert staff_client(desk.agent).get("/escalations/reports/approvals/").status_code == 404


def test_delegation_form(desk, now):
    # The page checks the window against the real clock: a delegation must not be over.
    soon = timezone.localdate() + timedelta(days=1)
    client = staff_client(desk.lead)
    assert client.get("/escalations/delegations/").status_code == 200
    bad = client.post(
        "/escalations/delegations/",
        {
            "delegate": desk.manager.pk,
            "starts_at": "2026-12-02T09:00",
            "ends_at": "2026-12-01T09:00",
        },
    )
    assert bad.status_code == 400 and b"must end after it starts" in bad.content
    junk = client.post("/escalations/delegations/", {"delegate": "x", "starts_at": "never"})
    assert junk.status_code == 400
    ok = client.post(
        "/escalations/delegations/",
        {
            "delegate": desk.manager.pk,
            "starts_at": f"{soon:%Y-%m-%d}T09:00",
            "ends_at": f"{soon + timedelta(days=4):%Y-%m-%d}T17:00",
        },
    )
    assert ok.status_code == 302
