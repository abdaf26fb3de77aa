"""The escalation endpoints of the REST API: routing, decisions, access, hostile input."""

from __future__ import annotations

import pytest

from caredesk.escalations.models import ApprovalRequest, Escalation
from tests.api.conftest import ApiClient, token_for
from tests.escalations.conftest import open_case


@pytest.fixture
def clients(desk, now):
    class C:
        agent = ApiClient(token_for(desk.agent, now))
        lead = ApiClient(token_for(desk.lead, now))
        otto = ApiClient(token_for(desk.other_agent, now))
        alice = ApiClient(token_for(desk.alice.user, now))
        bob = ApiClient(token_for(desk.bob.user, now))

    return C


def test_goodwill_and_decision_through_the_api(desk, now, clients):
    ticket = open_case(desk, now)
    small = clients.agent.post(
        f"/api/v1/cases/{ticket.pk}/goodwill",
        {"action_type": "refund", "amount": "20", "reason": "Late delivery."},
    )
    assert small.status_code == 201 and small.json()["applied"] is True
    big = clients.agent.post(
        f"/api/v1/cases/{ticket.pk}/goodwill",
        {"action_type": "refund", "amount": "120.50", "reason": "Charged twice."},
    )
    assert big.status_code == 201 and big.json()["approver"] == "Lena Lead"
    approval_id = big.json()["approval_id"]
    waiting = clients.lead.get("/api/v1/approvals").json()
    assert [a["id"] for a in waiting] == [approval_id]
    decided = clients.lead.post(
        f"/api/v1/approvals/{approval_id}/decision",
        {"decision": "approve_other", "amount": "80", "reason": "Partial."},
    )
    assert decided.status_code == 200
    assert (
        decided.json()["status"] == "approved_changed"
        and decided.json()["decided_amount"] == "80.00"
    )
    again = clients.lead.post(f"/api/v1/approvals/{approval_id}/decision", {"decision": "approve"})
    assert again.status_code == 409


def test_customer_tokens_escalate_only_their_own_cases(desk, now, clients):
    ticket = open_case(desk, now)
    assert (
        clients.bob.post(f"/api/v1/cases/{ticket.pk}/escalations", {"reason": "x"}).status_code
        == 404
    )
    refused = clients.alice.post(
        f"/api/v1/cases/{ticket.pk}/escalations", {"reason": "x", "level": "admin"}
    )
    assert refused.status_code == 403
    ok = clients.alice.post(f"/api/v1/cases/{ticket.pk}/escalations", {"reason": "Help"})
    assert ok.status_code == 201 and ok.json()["level"] == "lead"
    assert clients.alice.get(f"/api/v1/cases/{ticket.pk}/escalations").status_code == 200
    assert (
        clients.alice.post(
            f"/api/v1/cases/{ticket.pk}/goodwill", {"action_type": "refund", "reason": "x"}
        ).status_code
        == 403
    )
    assert clients.alice.get("/api/v1/approvals").status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("goodwill", {"action_type": "refund", "amount": "abc", "reason": "x"}, 400),
        ("goodwill", {"action_type": "refund", "amount": "1" * 50, "reason": "x"}, 422),
        ("goodwill", {"action_type": "nope", "amount": "1", "reason": "x"}, 404),
        ("goodwill", {"action_type": "refund", "amount": "1", "reason": "x", "admin": True}, 422),
        ("goodwill", {"action_type": "refund", "amount": "1", "reason": "\u0000"}, 422),
        ("goodwill", {"action_type": "refund", "amount": "1", "reason": "x" * 6000}, 422),
        ("escalations", {"reason": "x", "level": "ceo"}, 422),
        ("escalations", {"reason": ""}, 400),
        ("escalations", [], 422),
    ],
)
def test_hostile_api_input(desk, now, clients, path, body, status):
    ticket = open_case(desk, now)
    response = clients.agent.post(f"/api/v1/cases/{ticket.pk}/{path}", body)
    assert response.status_code == status, response.content
    assert "error" in response.json()
    assert not ApprovalRequest.objects.exists() and not Escalation.objects.exists()


def test_malformed_json_and_foreign_cases(desk, now, clients):
    ticket = open_case(desk, now)
    bad = clients.agent.post(f"/api/v1/cases/{ticket.pk}/goodwill", raw="{not json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
    assert (
        clients.otto.post(f"/api/v1/cases/{ticket.pk}/escalations", {"reason": "x"}).status_code
        == 404
    )
    assert (
        clients.lead.post("/api/v1/approvals/0/decision", {"decision": "approve"}).status_code
        == 422
    )
    assert (
        clients.lead.post("/api/v1/approvals/99999/decision", {"decision": "approve"}).status_code
        == 404
    )
