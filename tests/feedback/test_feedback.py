"""Feedback about agents: kudos, complaints, the lead's review, the agent record."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.feedback import actions
from caredesk.feedback.models import Feedback, FeedbackSource, ReviewOutcome
from caredesk.feedback.selectors import agent_record, headline
from caredesk.feedback.survey import make_token
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Channel, Status


def worked_case(desk, now, customer=None):
    ticket = ticket_actions.do_open_ticket(
        customer=customer or desk.alice,
        subject="Return a shower seat",
        body="Can I return the shower seat?",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    ticket_actions.do_reply(
        ticket, agent=desk.agent, body="Hygiene items cannot be returned.", now=now
    )
    return ticket


def complain(desk, ticket, now, body="She refused my return."):
    return actions.do_leave_feedback(
        ticket,
        agent=desk.agent,
        kind="complaint",
        body=body,
        source=FeedbackSource.PORTAL,
        author_customer=desk.alice,
        now=now,
    )


@pytest.mark.parametrize(
    ("outcome", "counts_against"),
    [("upheld", True), ("not_upheld", False), ("policy", False)],
)
def test_complaint_review_outcomes(desk, now, outcome, counts_against):
    ticket = worked_case(desk, now)
    row = complain(desk, ticket, now)
    assert row.reviewer == desk.lead and row.outcome == ReviewOutcome.PENDING
    assert mail.outbox[-1].to == ["lena@desk.test"]
    with pytest.raises(PermissionDenied):  # the agent never reviews their own complaint
        actions.do_review_complaint(row, reviewer=desk.agent, outcome=outcome, reason="x", now=now)
    with pytest.raises(PermissionDenied):
        actions.do_review_complaint(
            row, reviewer=desk.other_agent, outcome=outcome, reason="x", now=now
        )
    actions.do_review_complaint(
        row, reviewer=desk.lead, outcome=outcome, reason="Non-returnable hygiene item.", now=now
    )
    # The agent is told the outcome and the reason.
    assert mail.outbox[-1].to == ["ada@desk.test"]
    assert "Non-returnable hygiene item." in mail.outbox[-1].body
    record = agent_record(desk.agent)
    assert record.upheld == (1 if counts_against else 0)
    with pytest.raises(Conflict):
        actions.do_review_complaint(row, reviewer=desk.lead, outcome="upheld", reason="x", now=now)


def test_feedback_input_is_checked(desk, now):
    ticket = worked_case(desk, now)
    for kind, body in [("praise", "x"), ("kudos", ""), ("kudos", "x" * 5001)]:
        with pytest.raises(DomainError):
            actions.do_leave_feedback(
                ticket,
                agent=desk.agent,
                kind=kind,
                body=body,
                source="portal",
                author_customer=desk.alice,
                now=now,
            )
    with pytest.raises(PermissionDenied):  # Bob is not this case's customer
        actions.do_leave_feedback(
            ticket,
            agent=desk.agent,
            kind="kudos",
            body="x",
            source="portal",
            author_customer=desk.bob,
            now=now,
        )
    with pytest.raises(DomainError):  # Otto never worked on this case
        actions.do_leave_feedback(
            ticket,
            agent=desk.other_agent,
            kind="kudos",
            body="x",
            source="portal",
            author_customer=desk.alice,
            now=now,
        )
    with pytest.raises(PermissionDenied):  # only managers leave feedback from the workspace
        actions.do_leave_feedback(
            ticket,
            agent=desk.agent,
            kind="complaint",
            body="x",
            source="manager",
            author_user=desk.lead,
            now=now,
        )
    complain(desk, ticket, now)
    with pytest.raises(Conflict):
        complain(desk, ticket, now)


def test_one_trivial_complaint_never_outweighs_a_record(desk, now):
    assert headline(kudos=5, upheld=1, resolved=3)[1] == "good"
    assert headline(kudos=0, upheld=1, resolved=0)[1] == "good"
    assert headline(kudos=40, upheld=2, resolved=200)[1] == "good"
    assert headline(kudos=0, upheld=3, resolved=10)[1] == "attention"


def test_agent_record_page(desk, now):
    ticket = worked_case(desk, now)
    ticket_actions.do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=now)
    actions.do_leave_feedback(
        ticket,
        agent=desk.agent,
        kind="kudos",
        body="Kind and clear.",
        source="portal",
        author_customer=desk.alice,
        now=now,
    )
    row = complain(desk, ticket, now)
    actions.do_review_complaint(
        row, reviewer=desk.lead, outcome="policy", reason="Policy.", now=now
    )
    own = Client()
    own.force_login(desk.agent)
    page = own.get(f"/feedback/agents/{desk.agent.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "No upheld complaints." in body and "Kind and clear." in body
    assert "100%" in body  # one resolved case, first contact
    lead = Client()
    lead.force_login(desk.lead)
    assert lead.get(f"/feedback/agents/{desk.agent.pk}/").status_code == 200
    other = Client()
    other.force_login(desk.other_agent)
    assert other.get(f"/feedback/agents/{desk.agent.pk}/").status_code == 404
    assert own.get(f"/feedback/complaints/{row.pk}/").status_code == 200  # sees the outcome
    assert other.get(f"/feedback/complaints/{row.pk}/").status_code == 404


def test_portal_and_survey_feedback(desk, now):
    ticket = worked_case(desk, now)
    alice = Client()
    alice.force_login(desk.alice.user)
    form = alice.get(f"/feedback/portal/cases/{ticket.pk}/")
    assert form.status_code == 200 and b"Ada Agent" in form.content
    bad = alice.post(f"/feedback/portal/cases/{ticket.pk}/", {"kind": "x", "agent": "abc"})
    assert bad.status_code == 400
    ok = alice.post(
        f"/feedback/portal/cases/{ticket.pk}/",
        {"kind": "kudos", "agent": desk.agent.pk, "body": "Thank you!"},
    )
    assert ok.status_code == 302
    bob = Client()
    bob.force_login(desk.bob.user)
    assert bob.get(f"/feedback/portal/cases/{ticket.pk}/").status_code == 404

    token = make_token(ticket)
    anonymous = Client()
    assert anonymous.get(f"/feedback/survey/{token}/").status_code == 200
    sent = anonymous.post(
        f"/feedback/survey/{token}/",
        {"kind": "complaint", "agent": desk.agent.pk, "body": "Too slow."},
    )
    assert sent.status_code == 302
    assert Feedback.objects.filter(source="survey", kind="complaint").count() == 1
    for forged in [token[:-2] + "xx", "nonsense", "a" * 400]:
        assert anonymous.get(f"/feedback/survey/{forged}/").status_code == 404


def test_manager_feedback_form(desk, now):
    ticket = worked_case(desk, now)
    manager = Client()
    manager.force_login(desk.manager)
    ok = manager.post(
        f"/feedback/cases/{ticket.pk}/",
        {"kind": "kudos", "agent": desk.agent.pk, "body": "Handled a hard call well."},
    )
    assert ok.status_code == 302
    agent = Client()
    agent.force_login(desk.agent)
    assert agent.get(f"/feedback/cases/{ticket.pk}/").status_code == 404
