"""The operations added for API parity do what their pages do, with the same checks."""

from __future__ import annotations

from datetime import timedelta

from caredesk.core import clock
from caredesk.enrichment.models import MessageAbuse
from caredesk.escalations.models import ProtectedConversation
from caredesk.promises.models import Promise
from caredesk.tickets.models import Message, MessageKind
from tests.api.conftest import ApiClient, assert_error, open_case


def test_next_case_assigns_the_waiting_case_to_me(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    response = api.agent.post("/api/v1/queue/next")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["case"]["id"] == case.pk
    assert body["case"]["assignee"]["id"] == desk.agent.pk
    again = api.agent.post("/api/v1/queue/next").json()
    assert again["case"] is None and "No case is waiting" in again["message"]
    assert_error(api.alice.post("/api/v1/queue/next"), 403, "staff_only")


def test_ending_an_abusive_conversation_tells_the_customer_once(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    url = f"/api/v1/cases/{case.pk}/end-conversation"
    response = api.agent.post(url, {"reason": ""})
    assert response.status_code == 201, response.content
    assert response.json()["excluded_from_agent_metrics"] is True
    assert ProtectedConversation.objects.filter(ticket=case, agent=desk.agent).exists()
    notices = Message.objects.filter(ticket=case, kind=MessageKind.REPLY)
    assert notices.count() == 1
    assert_error(api.agent.post(url, {}), 409, "already_ended")
    # A case the token may not see is not found, whatever the action.
    other = open_case(desk, now, customer=desk.bob, team=desk.delivery)
    assert_error(api.alice.post(f"/api/v1/cases/{other.pk}/end-conversation", {}), 403)


def test_messages_carry_the_abuse_flag_for_staff_and_unflag_shows_it(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    first = Message.objects.filter(ticket=case).first()
    # As the abuse classifier leaves a message it flagged.
    MessageAbuse.objects.update_or_create(
        message=first,
        defaults={
            "ticket": case,
            "score": 0.97,
            "flagged": True,
            "reasons": ["insult"],
            "classifier": "t",
        },
    )
    url = f"/api/v1/cases/{case.pk}/messages"
    staff_view = api.agent.get(url).json()["items"][0]
    assert staff_view["abuse"] == {
        "flagged": True,
        "score": 0.97,
        "reasons": ["insult"],
        "unflagged_at": None,
    }
    assert api.alice.get(url).json()["items"][0]["abuse"] is None
    response = api.agent.post(f"/api/v1/messages/{first.pk}/unflag")
    assert response.status_code == 200, response.content
    assert response.json()["abuse"]["flagged"] is False
    assert api.agent.get(url).json()["items"][0]["abuse"]["flagged"] is False
    assert_error(api.agent.post(f"/api/v1/messages/{first.pk}/unflag"), 400, "not_flagged")
    assert_error(api.alice.post(f"/api/v1/messages/{first.pk}/unflag"), 403)


def test_logging_a_call_keeps_the_customers_callback_promise(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    asked = api.alice.post(
        f"/api/v1/cases/{case.pk}/callback",
        {"number": "+49 30 1234567", "window_end": (clock.now() + timedelta(days=2)).isoformat()},
    )
    assert asked.status_code == 201, asked.content
    promise_id = asked.json()["id"]
    call = api.agent.post(
        f"/api/v1/cases/{case.pk}/calls",
        {"direction": "outbound", "outcome": "reached", "number": "+49 30 1234567"},
    )
    assert call.status_code == 201, call.content
    assert call.json()["kept_promise_id"] == promise_id
    assert Promise.objects.get(pk=promise_id).kept_at is not None
    bad = api.agent.post(f"/api/v1/cases/{case.pk}/calls", {"direction": "sideways"})
    assert_error(bad, 422, "validation_error")


def test_the_lead_sees_and_answers_the_escalation_they_own(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    raised = api.agent.post(f"/api/v1/cases/{case.pk}/escalations", {"reason": "Refund?"})
    assert raised.status_code == 201, raised.content
    escalation_id = raised.json()["id"]
    mine = api.lead.get("/api/v1/escalations").json()
    assert [e["id"] for e in mine] == [escalation_id]
    assert api.agent.get("/api/v1/escalations").json() == []
    answer = {"resolution": "Refund approved."}
    assert_error(api.agent.post(f"/api/v1/escalations/{escalation_id}/answer", answer), 403)
    done = api.lead.post(f"/api/v1/escalations/{escalation_id}/answer", answer)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved"
    assert done.json()["resolution"] == "Refund approved."
    assert_error(api.lead.post(f"/api/v1/escalations/{escalation_id}/answer", {}), 422)


def test_configuration_is_read_by_leads_and_above(desk, api):
    for path in ("/api/v1/calendars", "/api/v1/sla-policies", "/api/v1/tier-rules"):
        assert_error(api.agent.get(path), 403, "leads_only")
        assert api.lead.get(path).status_code == 200
    staff = api.admin.get("/api/v1/staff").json()["items"]
    assert desk.agent.email in {s["email"] for s in staff}
    tokens = api.lead.get("/api/v1/tokens").json()["items"]
    assert tokens and all("secret" not in t and "token" not in t for t in tokens)
    # A lead sees only their own tokens' metadata (admins see all: tests/api/test_config_staff.py).
    assert {t["owner"]["id"] for t in tokens} == {desk.lead.pk}


def test_a_token_made_through_the_api_works_until_revoked(desk, api):
    made = api.agent.post("/api/v1/me/tokens", {"name": "script"})
    assert made.status_code == 201, made.content
    client = ApiClient(made.json()["token"])
    assert client.get("/api/v1/me").json()["email"] == desk.agent.email
    revoked = api.agent.post(f"/api/v1/tokens/{made.json()['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert_error(client.get("/api/v1/me"), 401)
    # Someone else's token is not found (admins may revoke any).
    assert_error(api.other_agent.post(f"/api/v1/tokens/{made.json()['id']}/revoke"), 404)


def test_away_and_back(desk, api):
    assert api.agent.post("/api/v1/me/away", {"away": True}).json()["is_away"] is True
    desk.agent.refresh_from_db()
    assert desk.agent.is_away
    assert api.agent.post("/api/v1/me/away", {"away": False}).json()["is_away"] is False


def test_nulls_the_schema_allows_are_accepted(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    response = api.lead.patch(
        f"/api/v1/cases/{case.pk}", {"team_id": None, "assignee_id": None, "handoff_note": None}
    )
    assert response.status_code == 200, response.content
    assert response.json()["team"] is None


def test_feedback_from_the_customer_and_the_leads_review(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    api.agent.post(f"/api/v1/cases/{case.pk}/messages", {"body": "On it.", "send_anyway": True})
    url = f"/api/v1/cases/{case.pk}/feedback"
    complaint = {"agent_id": desk.agent.pk, "kind": "complaint", "body": "Rude reply."}
    made = api.alice.post(url, complaint)
    assert made.status_code == 201, made.content
    assert made.json()["outcome"] == "pending"
    # Only someone who worked on the case can be named.
    other = {**complaint, "agent_id": desk.other_agent.pk}
    assert_error(api.alice.post(url, other), 404, "unknown_agent")
    review = {"outcome": "policy", "reason": "The refusal followed the returns policy."}
    path = f"/api/v1/complaints/{made.json()['id']}/review"
    assert_error(api.agent.post(path, review), 404)  # the agent does not review their own
    done = api.lead.post(path, review)
    assert done.status_code == 200, done.content
    assert done.json()["outcome"] == "policy"


def test_notifications_are_listed_and_marked_read(desk, api, now):
    from caredesk.core.notifications import notify

    note = notify(desk.agent, "sla_breach", subject="CD-1 missed its target", now=now)
    listed = api.agent.get("/api/v1/notifications").json()
    assert listed["unread"] == 1 and listed["items"][0]["id"] == note.pk
    read = api.agent.post(f"/api/v1/notifications/{note.pk}/read").json()
    assert read["read_at"] is not None
    assert api.agent.get("/api/v1/notifications").json()["unread"] == 0
    assert_error(api.other_agent.post(f"/api/v1/notifications/{note.pk}/read"), 404)
    assert api.agent.post("/api/v1/notifications/read-all", {}).json() == {"marked": 0}


def test_only_admins_replay_quarantined_mail(desk, api):
    assert_error(api.lead.post("/api/v1/mail/quarantine/1/replay"), 404)
    assert_error(api.admin.post("/api/v1/mail/quarantine/999/replay"), 404)
