"""The outcome in the API case schema; the customer's answer with a customer token."""

from __future__ import annotations

from caredesk.resolutions.models import Outcome
from caredesk.tickets.models import Status, Ticket
from tests.api.conftest import assert_error
from tests.resolutions.conftest import resolved_case


def test_case_schema_shows_the_outcome_and_history(api, desk, now):
    ticket = resolved_case(desk, now)
    body = api.agent.get(f"/api/v1/cases/{ticket.pk}").json()
    assert body["resolution_outcome"] == "pending" and body["follow_up_of"] is None
    listed = api.agent.get("/api/v1/cases").json()["items"]
    assert {c["id"]: c["resolution_outcome"] for c in listed}[ticket.pk] == "pending"
    history = api.agent.get(f"/api/v1/cases/{ticket.pk}/resolutions").json()
    assert [r["outcome"] for r in history] == ["pending"]
    assert history[0]["agent_id"] == desk.agent.pk


def test_customer_token_answers_and_staff_cannot(api, desk, now):
    ticket = resolved_case(desk, now)
    assert_error(
        api.agent.post(f"/api/v1/cases/{ticket.pk}/resolution/answer", {"solved": True}),
        403,
        "customer_only",
    )
    alice = api.alice
    assert_error(alice.post(f"/api/v1/cases/{ticket.pk}/resolution/answer", {"solved": "x"}), 422)
    assert_error(
        alice.post(
            f"/api/v1/cases/{ticket.pk}/resolution/answer", {"solved": False, "words": "x" * 5001}
        ),
        422,
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    done = alice.post(
        f"/api/v1/cases/{ticket.pk}/resolution/answer", {"solved": False, "words": "Not yet"}
    )
    assert done.status_code == 200 and done.json()["outcome"] == Outcome.REJECTED
    assert done.json()["agent_id"] is None  # staff-only field
    assert_error(
        alice.post(f"/api/v1/cases/{ticket.pk}/resolution/answer", {"solved": True}),
        409,
        "no_open_question",
    )
    bob = api.bob
    assert_error(bob.post(f"/api/v1/cases/{ticket.pk}/resolution/answer", {"solved": True}), 404)
