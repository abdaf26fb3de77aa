"""/api/v1/webhooks: admin tokens only, clear errors for bad URLs and input."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from caredesk.channels.webhooks.models import Delivery, DeliveryState, Endpoint
from caredesk.core.models import Event
from tests.api.conftest import ApiClient, _fresh_rate_limits, api, assert_error, token_for  # noqa: F401
from tests.webhooks.conftest import documented_verifier, open_case

BASE = "/api/v1/webhooks/endpoints"


@pytest.fixture
def admin(desk, now):
    return ApiClient(token_for(desk.admin, now))


def create(admin, receiver, **body):
    response = admin.post(BASE, {"url": receiver.url(), "events": ["case.*"], **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_list_get_update_delete(desk, now, admin, receiver):
    created = create(admin, receiver, description="Our CRM")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["secret_prefix"] == created["secret"][:10]
    assert created["events"] == ["case.*"] and created["is_active"] is True
    assert created["created_by"] == {"id": desk.admin.pk, "name": "Root Admin"}
    endpoint_id = created["id"]

    shown = admin.get(f"{BASE}/{endpoint_id}").json()
    assert "secret" not in shown and shown["description"] == "Our CRM"
    listed = admin.get(BASE).json()
    assert [e["id"] for e in listed["items"]] == [endpoint_id] and listed["next_cursor"] is None
    assert created["secret"] not in json.dumps(listed)

    patched = admin.patch(
        f"{BASE}/{endpoint_id}", {"events": ["message.added", "case.created"], "description": ""}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["events"] == ["message.added", "case.created"]
    updated = Event.objects.get(kind="webhook.endpoint_updated")
    assert updated.data["changes"]["events"] == {
        "old": ["case.*"],
        "new": ["message.added", "case.created"],
    }
    assert updated.actor_id == desk.admin.pk

    off = admin.patch(f"{BASE}/{endpoint_id}", {"is_active": False}).json()
    assert off["is_active"] is False and off["disabled_reason"] == "Disabled by Root Admin."
    on = admin.patch(f"{BASE}/{endpoint_id}", {"is_active": True}).json()
    assert on["is_active"] is True and on["consecutive_failures"] == 0
    assert_error(admin.patch(f"{BASE}/{endpoint_id}", {"url": None}), 422, "null_not_allowed")

    assert admin.delete(f"{BASE}/{endpoint_id}").status_code == 204
    assert not Endpoint.objects.exists()
    assert_error(admin.get(f"{BASE}/{endpoint_id}"), 404, "not_found")
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"webhook.endpoint_created", "webhook.disabled", "webhook.enabled"} <= kinds
    assert "webhook.endpoint_deleted" in kinds


def test_the_secret_is_shown_once_and_rotation_shows_a_new_one(desk, now, admin, receiver):
    created = create(admin, receiver)
    rotated = admin.post(f"{BASE}/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    secret = rotated.json()["secret"]
    assert secret != created["secret"] and rotated.json()["secret_prefix"] == secret[:10]
    open_case(desk, now)
    request = receiver.requests[0]
    assert documented_verifier()(secret, request.headers, request.body)


def test_idempotent_create_replays_without_the_secret(desk, admin, receiver):
    body = {"url": receiver.url(), "events": ["*"]}
    first = admin.post(BASE, body, headers={"Idempotency-Key": "create-crm-hook"})
    second = admin.post(BASE, body, headers={"Idempotency-Key": "create-crm-hook"})
    assert first.status_code == second.status_code == 201
    assert first.json()["secret"].startswith("whsec_")
    assert second.json()["secret"] is None and second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"] and Endpoint.objects.count() == 1
    from caredesk.channels.api.models import IdempotencyKey

    assert first.json()["secret"] not in json.dumps(
        list(IdempotencyKey.objects.values_list("response_body", flat=True))
    )


def test_only_admin_tokens(desk, api, admin, receiver):  # noqa: F811
    endpoint_id = create(admin, receiver)["id"]
    for client in (api.manager, api.lead, api.agent):
        assert_error(client.get(BASE), 403, "admins_only")
        assert_error(client.post(BASE, {"url": receiver.url()}), 403, "admins_only")
        assert_error(client.delete(f"{BASE}/{endpoint_id}"), 403, "admins_only")
    assert_error(api.alice.get(BASE), 403, "staff_only")
    assert_error(api.anonymous.get(BASE), 401, "unauthorized")
    assert Endpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://files.example.com/in", "url_scheme_not_allowed"),
        ("javascript:alert(1)", "url_scheme_not_allowed"),
        ("file:///etc/passwd", "url_scheme_not_allowed"),
        ("example.com/hook", "url_scheme_not_allowed"),
        ("https://user:secret@hooks.example.com/", "url_credentials"),
        ("https://token@hooks.example.com/", "url_credentials"),
        ("https://hooks.example.com/a b", "url_invalid"),
        ("https://hooks.example.com/\\..", "url_invalid"),
        ("https://hooks.example.com/#frag", "url_invalid"),
        ("https://hooks.example.com:99999/", "url_invalid"),
        ("https:///nohost", "url_invalid"),
        ("", "url_required"),
        ("https://hooks.example.com/" + "a" * 2000, "url_too_long"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_error(desk, admin, url, code):
    error = assert_error(admin.post(BASE, {"url": url}), 400, code)
    assert error["details"] == {"field": "url"}
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/hook",
        "http://api.localhost/hook",
        "http://127.0.0.1/hook",
        "http://127.1.2.3/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://127.1/hook",
    ],
)
def test_private_addresses_are_refused_unless_allowed(desk, admin, settings, url):
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = False
    error = assert_error(admin.post(BASE, {"url": url}), 400, "url_private_address")
    assert (
        "public addresses" in error["message"]
        and "CAREDESK_WEBHOOK_ALLOW_PRIVATE" in error["message"]
    )
    assert not Endpoint.objects.exists()
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = True
    assert admin.post(BASE, {"url": url}).status_code == 201


def test_a_public_address_is_accepted_even_when_nothing_answers(desk, admin, settings):
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = False
    response = admin.post(BASE, {"url": "https://8.8.8.8/hooks", "is_active": False})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "http://127.0.0.1/", "description": "x" * 501}, 400, "description_too_long"),
        ({"url": "http://127.0.0.1/", "description": "x" * 10_001}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/" + "a" * 10_001}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/\x00"}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/", "events": "case.*"}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/", "events": [1, 2]}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/", "events": ["*"] * 201}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/", "events": []}, 400, "invalid_event_filter"),
        ({"url": "http://127.0.0.1/", "events": ["Case Created"]}, 400, "invalid_event_filter"),
        ({"url": "http://127.0.0.1/", "events": ["case.**"]}, 400, "invalid_event_filter"),
        ({"url": "http://127.0.0.1/", "events": ["webhook.*"]}, 400, "invalid_event_filter"),
        ({"url": "http://127.0.0.1/", "events": [f"k{i}.x" for i in range(51)]}, 400, None),
        ({"url": "http://127.0.0.1/", "secret": "mine"}, 422, "validation_error"),
        ({"url": "http://127.0.0.1/", "is_active": "maybe"}, 422, "validation_error"),
        ({"url": ["http://127.0.0.1/"]}, 422, "validation_error"),
        ({}, 422, "validation_error"),
    ],
)
def test_malformed_and_oversized_input_is_refused(desk, admin, body, status, code):
    assert_error(admin.post(BASE, body), status, code)
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("raw", [b"{", b"[]", b"\xff\xfe", b'{"url": NaN}', b"null"])
def test_malformed_json_is_refused(desk, admin, raw):
    response = admin.post(BASE, raw=raw)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)
    assert not Endpoint.objects.exists()


def test_bad_update_changes_nothing(desk, admin, receiver):
    endpoint_id = create(admin, receiver)["id"]
    assert_error(
        admin.patch(f"{BASE}/{endpoint_id}", {"url": "gopher://x", "events": ["*"]}),
        400,
        "url_scheme_not_allowed",
    )
    assert Endpoint.objects.get(pk=endpoint_id).events == ["case.*"]
    assert not Event.objects.filter(kind="webhook.endpoint_updated").exists()


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/0",
        f"{BASE}/-1",
        f"{BASE}/9223372036854775808",
        f"{BASE}/99999999999999999999999/deliveries",
        "/api/v1/webhooks/deliveries/0",
    ],
)
def test_unknown_and_huge_ids_are_404(desk, admin, path):
    assert_error(admin.get(path), 404, "not_found")


def test_delivery_log_pagination_and_redelivery(desk, now, admin, receiver):
    endpoint_id = create(admin, receiver, events=["*"])["id"]
    for i in range(7):
        open_case(desk, now, subject=f"Case {i}")
    total = Delivery.objects.filter(endpoint_id=endpoint_id).count()
    assert total >= 7
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = admin.get(f"{BASE}/{endpoint_id}/deliveries", params).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == total
    assert_error(
        admin.get(f"{BASE}/{endpoint_id}/deliveries", {"cursor": "garbage!"}), 400, "invalid_cursor"
    )
    assert_error(
        admin.get(f"{BASE}/{endpoint_id}/deliveries", {"state": "exploded"}),
        422,
        "validation_error",
    )
    first = admin.get(f"{BASE}/{endpoint_id}/deliveries", {"state": "succeeded"}).json()
    item = first["items"][-1]
    assert item["state"] == "succeeded" and item["last_status_code"] == 200
    assert item["last_latency_ms"] is not None and item["last_response_excerpt"] == "ok"

    sent_before = len(receiver.requests)
    again = admin.post(
        f"/api/v1/webhooks/deliveries/{item['id']}/redeliver", headers={"Idempotency-Key": "r1"}
    )
    assert again.status_code == 202, again.content
    replay = admin.post(
        f"/api/v1/webhooks/deliveries/{item['id']}/redeliver", headers={"Idempotency-Key": "r1"}
    )
    assert replay.json()["id"] == again.json()["id"]
    new = Delivery.objects.get(pk=again.json()["id"])
    assert new.redelivery_of_id == item["id"] and new.state == DeliveryState.SUCCEEDED
    assert len(receiver.requests) == sent_before + 1
    assert receiver.requests[-1].json["event_id"] == item["event_id"]
    assert admin.get(f"/api/v1/webhooks/deliveries/{new.pk}").json()["redelivery_of"] == item["id"]

    admin.patch(f"{BASE}/{endpoint_id}", {"is_active": False})
    assert_error(
        admin.post(f"/api/v1/webhooks/deliveries/{item['id']}/redeliver"), 409, "endpoint_disabled"
    )


def test_hostile_response_excerpt_is_plain_json_text(desk, now, admin, receiver):
    from tests.webhooks.conftest import Answer

    receiver.answer(Answer(500, b"<img src=x onerror=alert(1)>\x00"))
    endpoint_id = create(admin, receiver, events=["case.created"])["id"]
    open_case(desk, now)
    item = admin.get(f"{BASE}/{endpoint_id}/deliveries").json()["items"][0]
    assert item["last_response_excerpt"] == "<img src=x onerror=alert(1)>\\x00"
    assert item["state"] == "pending" and item["attempts"] == 1
    assert_error(
        admin.post(f"/api/v1/webhooks/deliveries/{item['id']}/redeliver"), 409, "delivery_pending"
    )


def test_openapi_shows_the_webhook_paths_and_schemas(desk):
    doc = json.loads(Client().get("/api/v1/openapi.json").content)
    for path in (
        "/api/v1/webhooks/endpoints",
        "/api/v1/webhooks/endpoints/{endpoint_id}",
        "/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret",
        "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries",
        "/api/v1/webhooks/deliveries/{delivery_id}",
        "/api/v1/webhooks/deliveries/{delivery_id}/redeliver",
    ):
        assert path in doc["paths"], path
    assert set(doc["paths"]["/api/v1/webhooks/endpoints/{endpoint_id}"]) == {
        "get",
        "patch",
        "delete",
    }
    schemas = doc["components"]["schemas"]
    assert schemas["WebhookEndpointCreateIn"]["additionalProperties"] is False
    assert "secret" in schemas["WebhookEndpointSecretOut"]["properties"]
    assert "secret" not in schemas["WebhookEndpointOut"]["properties"]
    assert "last_response_excerpt" in schemas["WebhookDeliveryOut"]["properties"]
