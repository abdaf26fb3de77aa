"""Idempotency-Key makes a retried POST safe: one case, the same answer."""

from __future__ import annotations

from datetime import timedelta

from caredesk.channels.api.idempotency import purge_expired
from caredesk.channels.api.models import IdempotencyKey
from caredesk.customers.models import Customer
from caredesk.tickets.models import Message, Ticket
from tests.api.conftest import assert_error, open_case

BODY = {"subject": "Where is my order?", "body": "Order 123 has not arrived."}


def test_same_key_same_body_creates_once_and_replays(desk, api):
    key = {"Idempotency-Key": "order-123-attempt"}
    first = api.alice.post("/api/v1/cases", BODY, headers=key)
    second = api.alice.post("/api/v1/cases", BODY, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().events.filter(verb="created").count() == 1


def test_same_key_different_body_is_409(desk, api):
    key = {"Idempotency-Key": "k1"}
    api.alice.post("/api/v1/cases", BODY, headers=key)
    error = assert_error(
        api.alice.post("/api/v1/cases", {**BODY, "subject": "Other"}, headers=key),
        409,
        "idempotency_key_reused",
    )
    assert "Idempotency-Key" in error["message"]
    assert Ticket.objects.count() == 1


def test_same_key_on_another_path_is_409(desk, api, now):
    ticket = open_case(desk, now)
    key = {"Idempotency-Key": "k2"}
    api.alice.post("/api/v1/cases", BODY, headers=key)
    response = api.alice.post(
        f"/api/v1/cases/{ticket.pk}/messages", {"body": BODY["body"]}, headers=key
    )
    assert_error(response, 409, "idempotency_key_reused")


def test_keys_are_per_token(desk, api):
    key = {"Idempotency-Key": "shared"}
    assert api.alice.post("/api/v1/cases", BODY, headers=key).status_code == 201
    assert api.bob.post("/api/v1/cases", BODY, headers=key).status_code == 201
    assert Ticket.objects.count() == 2


def test_without_a_key_each_post_creates(desk, api):
    api.alice.post("/api/v1/cases", BODY)
    api.alice.post("/api/v1/cases", BODY)
    assert Ticket.objects.count() == 2


def test_failed_requests_are_not_stored(desk, api):
    key = {"Idempotency-Key": "retry-after-fix"}
    assert_error(api.alice.post("/api/v1/cases", {**BODY, "subject": " "}, headers=key), 400)
    assert api.alice.post("/api/v1/cases", BODY, headers=key).status_code == 201


def test_message_and_customer_creates_are_idempotent(desk, api, now):
    ticket = open_case(desk, now)
    key = {"Idempotency-Key": "m1"}
    url = f"/api/v1/cases/{ticket.pk}/messages"
    a = api.agent.post(url, {"body": "Hello", "send_anyway": True}, headers=key)
    b = api.agent.post(url, {"body": "Hello", "send_anyway": True}, headers=key)
    assert a.json() == b.json() and Message.objects.filter(body="Hello").count() == 1
    body = {"name": "Carol", "emails": ["carol@example.test"]}
    c = api.agent.post("/api/v1/customers", body, headers={"Idempotency-Key": "c1"})
    d = api.agent.post("/api/v1/customers", body, headers={"Idempotency-Key": "c1"})
    assert c.status_code == d.status_code == 201 and c.json() == d.json()
    assert Customer.objects.filter(name="Carol").count() == 1


def test_invalid_keys_are_refused(desk, api):
    for bad in ("x" * 201, "ключ", "   "):
        response = api.alice.post("/api/v1/cases", BODY, headers={"Idempotency-Key": bad})
        assert_error(response, 422, "invalid_idempotency_key")
    assert Ticket.objects.count() == 0


def test_expired_keys_are_forgotten(desk, api, now):
    key = {"Idempotency-Key": "old"}
    api.alice.post("/api/v1/cases", BODY, headers=key)
    IdempotencyKey.objects.update(created_at=now - timedelta(days=30))
    assert api.alice.post("/api/v1/cases", BODY, headers=key).status_code == 201
    assert Ticket.objects.count() == 2
    IdempotencyKey.objects.update(created_at=now - timedelta(days=30))
    assert purge_expired(now) == 1
    assert not IdempotencyKey.objects.exists()


def test_a_concurrent_duplicate_rolls_back_and_replays(desk, api, monkeypatch):
    """Two requests with one key racing: the loser's create is undone, it gets the winner's
    response. Simulated by hiding the stored key from the second request's first look."""
    from caredesk.channels.api import idempotency

    key = {"Idempotency-Key": "race"}
    first = api.alice.post("/api/v1/cases", BODY, headers=key)
    monkeypatch.setattr(idempotency, "_stored", lambda token, key, now: None)
    second = api.alice.post("/api/v1/cases", BODY, headers=key)
    assert second.status_code == 201 and second.json() == first.json()
    assert Ticket.objects.count() == 1
    different = api.alice.post("/api/v1/cases", {**BODY, "body": "changed"}, headers=key)
    assert_error(different, 409, "idempotency_key_reused")
    assert Ticket.objects.count() == 1
