"""Promises through the REST API: the same actions, the same error format, the same access."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.promises.models import Promise, State
from tests.api.conftest import ApiClient, assert_error, token_for

from .conftest import promise, sweep


@pytest.fixture
def api(desk, now):
    class Clients:
        agent = ApiClient(token_for(desk.agent, now))
        other_agent = ApiClient(token_for(desk.other_agent, now))
        lead = ApiClient(token_for(desk.lead, now))
        alice = ApiClient(token_for(desk.alice.user, now))
        bob = ApiClient(token_for(desk.bob.user, now))

    return Clients


def iso(dt):
    return dt.isoformat()


def test_create_list_keep_and_renegotiate(api, desk, case, now, frozen):
    r = api.agent.post(
        f"/api/v1/cases/{case.pk}/promises",
        {"kind": "update", "text": "Update on the claim", "due_at": iso(now + timedelta(days=1))},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "open" and body["owner"]["id"] == desk.agent.pk
    assert body["due_in_words"] == "Tuesday 24 November 2026 at 09:30 (UTC)"
    assert body["suggestion"].startswith("Not enough history")
    pid = body["id"]
    r = api.agent.post(
        f"/api/v1/promises/{pid}/renegotiate", {"due_at": iso(now + timedelta(days=2))}
    )
    assert_error(r, 400, "message_required")
    r = api.agent.post(
        f"/api/v1/promises/{pid}/renegotiate",
        {"due_at": iso(now + timedelta(days=2)), "message": "Two more days."},
    )
    assert r.status_code == 200 and r.json()["renegotiations"] == 1
    r = api.agent.post(f"/api/v1/promises/{pid}/keep", {"note": "Sent."})
    assert r.status_code == 200 and r.json()["state"] == "kept"
    assert_error(
        api.agent.post(f"/api/v1/promises/{pid}/keep", {"note": "again"}), 409, "promise_settled"
    )
    items = api.agent.get(f"/api/v1/cases/{case.pk}/promises").json()["items"]
    assert [i["id"] for i in items] == [pid]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"due_at": "2026-11-24T10:00:00"}, 400, "naive_datetime"),
        ({"due_at": "2020-01-01T10:00:00Z"}, 400, "due_in_past"),
        ({"due_at": "9999-12-31T23:59:59Z"}, 400, "due_too_far"),
        ({"due_at": "10000-01-01T00:00:00Z"}, 422, "validation_error"),
        ({"due_at": "next tuesday"}, 422, "validation_error"),
        ({"kind": "bribe"}, 400, "invalid_kind"),
        ({"text": "x" * 600}, 400, "too_long"),
        ({"text": "x" * 100_000}, 422, "validation_error"),
        ({"text": "nul\x00byte"}, 422, "validation_error"),
        ({"owner_id": 999999}, 400, "invalid_owner"),
        ({"owner_id": -1}, 422, "validation_error"),
        ({"surprise": True}, 422, "validation_error"),
    ],
)
def test_create_refuses_malformed_input(api, case, now, frozen, payload, status, code):
    base = {"kind": "callback", "text": "Call back", "due_at": iso(now + timedelta(hours=3))}
    r = api.agent.post(f"/api/v1/cases/{case.pk}/promises", {**base, **payload})
    assert_error(r, status, code)
    assert Promise.objects.count() == 0


def test_access_rules(api, desk, case, now, frozen):
    p = promise(case, desk.agent, now)
    hidden = promise(case, desk.agent, now, text="Internal check", customer_visible=False)
    # Another team's agent and another customer: not found.
    assert_error(api.other_agent.get(f"/api/v1/cases/{case.pk}/promises"), 404)
    assert_error(api.other_agent.post(f"/api/v1/promises/{p.pk}/keep", {"note": "x"}), 404)
    assert_error(api.bob.get(f"/api/v1/cases/{case.pk}/promises"), 404)
    # The customer sees visible promises only, without staff fields, and cannot change them.
    items = api.alice.get(f"/api/v1/cases/{case.pk}/promises").json()["items"]
    assert [i["id"] for i in items] == [p.pk] and items[0]["owner"] is None
    assert hidden.pk not in [i["id"] for i in items]
    assert_error(api.alice.post(f"/api/v1/promises/{p.pk}/keep", {"note": "x"}), 403, "staff_only")
    r = api.alice.post(
        f"/api/v1/cases/{case.pk}/promises",
        {"kind": "callback", "text": "x", "due_at": iso(now + timedelta(hours=3))},
    )
    assert_error(r, 403, "staff_only")
    assert_error(api.agent.post("/api/v1/promises/99999999/keep", {"note": "x"}), 404)


def test_stats_for_leads(api, desk, case, now, frozen):
    promise(case, desk.agent, now, hours=1)
    sweep(now + timedelta(hours=2))
    frozen.set(now + timedelta(hours=3))
    assert_error(api.agent.get("/api/v1/promises/stats"), 403, "leads_only")
    body = api.lead.get("/api/v1/promises/stats").json()
    assert body["overall"]["broken"] == 1 and body["overall"]["kept_rate"] == 0.0
    assert body["overall"]["avg_lateness_seconds"] == 2 * 3600
    assert body["by_agent"][0]["label"] == "Ada Agent"
    assert body["broken"][0]["case_reference"] == case.reference
    assert body["broken"][0]["state"] == State.MISSED
    assert_error(
        api.lead.get("/api/v1/promises/stats", {"start": "yesterday"}), 400, "invalid_date"
    )
    assert api.lead.get(
        "/api/v1/promises/stats", {"start": "0001-01-01", "end": "9999-12-31"}
    ).status_code in (200, 400)
