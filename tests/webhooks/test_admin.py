"""The Django admin: endpoints through the actions, the secret shown once, the delivery
log with its redeliver action, escaped response excerpts."""

from __future__ import annotations

import re

from caredesk.accounts.models import Role
from caredesk.channels.webhooks.models import Delivery, DeliveryState, Endpoint
from caredesk.core.models import Event
from tests.conftest import make_staff
from tests.webhooks.conftest import (
    Answer,
    deliveries,
    documented_verifier,
    make_endpoint,
    open_case,
)

ADD = "/admin/webhooks/endpoint/add/"


def add_form(url, **extra):
    return {"url": url, "description": "CRM", "event_filter": "case.*, message.added", **extra}


def test_admin_adds_an_endpoint_and_sees_the_secret_once(desk, now, client, receiver):
    client.force_login(desk.admin)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, add_form(receiver.url(), is_active="on"))
    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    secret = re.search(r'id="webhook-secret"[^>]*>(whsec_[^<]+)<', page).group(1)
    assert "shown only this once" in page and "no-store" in response["Cache-Control"]
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["case.*", "message.added"] and endpoint.created_by == desk.admin
    assert Event.objects.filter(kind="webhook.endpoint_created", actor_id=desk.admin.pk).exists()

    change = client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/").content.decode()
    assert secret not in change and endpoint.secret_prefix in change
    assert secret not in client.get("/admin/webhooks/endpoint/").content.decode()

    open_case(desk, now)
    request = receiver.requests[0]
    assert documented_verifier()(secret, request.headers, request.body)


def test_admin_form_shows_url_errors(desk, client, settings):
    client.force_login(desk.admin)
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = False
    for url, words in [
        ("ftp://x.example/", "Only http:// and https://"),
        ("http://me:pw@x.example/", "user name or password"),
        ("http://localhost/", "public addresses"),
    ]:
        response = client.post(ADD, add_form(url))
        assert response.status_code == 200
        assert words in response.content.decode()
    response = client.post(ADD, add_form("https://8.8.8.8/", event_filter="webhook.*"))
    assert "never delivered by webhooks" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_admin_change_disable_enable_and_rotate(desk, now, client, receiver):
    endpoint, secret = make_endpoint(desk, receiver.url())
    client.force_login(desk.admin)
    url = f"/admin/webhooks/endpoint/{endpoint.pk}/change/"
    response = client.post(
        url, {"url": receiver.url("/v2"), "description": "", "event_filter": "*"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("/v2") and not endpoint.is_active  # the box was unticked
    assert endpoint.disabled_reason == "Disabled by Root Admin."
    changelist = "/admin/webhooks/endpoint/"
    client.post(changelist, {"action": "enable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_active
    rotated = client.post(
        changelist, {"action": "rotate_secret", "_selected_action": [endpoint.pk]}
    )
    new = re.search(r'id="webhook-secret"[^>]*>(whsec_[^<]+)<', rotated.content.decode()).group(1)
    assert new != secret
    assert Event.objects.filter(kind="webhook.secret_rotated").count() == 1


def test_delivery_log_shows_status_latency_and_escaped_excerpt(desk, now, client, receiver):
    receiver.answer(Answer(500, b"<script>alert('x')</script>"))
    endpoint, _ = make_endpoint(desk, receiver.url(), events=["case.created"])
    open_case(desk, now)
    (row,) = deliveries(endpoint)
    client.force_login(desk.admin)
    listing = client.get("/admin/webhooks/delivery/").content.decode()
    assert "case.created" in listing and "500" in listing
    detail = client.get(f"/admin/webhooks/delivery/{row.pk}/change/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in detail
    assert "<script>alert(" not in detail
    assert "answered 500" in detail and "Redeliver" in detail
    assert str(row.last_latency_ms) in detail


def test_redeliver_from_the_delivery_page_and_the_list(desk, now, client, receiver):
    endpoint, _ = make_endpoint(desk, receiver.url(), events=["case.created"])
    open_case(desk, now)
    (row,) = deliveries(endpoint)
    client.force_login(desk.admin)
    response = client.post(f"/admin/webhooks/delivery/{row.pk}/redeliver/")
    assert response.status_code == 302
    again = Delivery.objects.get(redelivery_of=row)
    assert again.state == DeliveryState.SUCCEEDED and len(receiver.requests) == 2
    assert response["Location"].endswith(f"/admin/webhooks/delivery/{again.pk}/change/")
    assert client.get(f"/admin/webhooks/delivery/{row.pk}/redeliver/").status_code == 405
    client.post("/admin/webhooks/delivery/", {"action": "redeliver", "_selected_action": [row.pk]})
    assert Delivery.objects.filter(redelivery_of=row).count() == 2
    assert len(receiver.requests) == 3


def test_webhooks_admin_is_for_admins_only(desk, client):
    manager = make_staff("staffy@desk.test", Role.MANAGER, "Staffy Manager")
    manager.is_staff = True
    manager.is_superuser = True  # even with every Django permission
    manager.save()
    client.force_login(manager)
    assert client.get("/admin/webhooks/endpoint/").status_code == 403
    assert client.get("/admin/webhooks/delivery/").status_code == 403
    assert client.post(ADD, add_form("https://x.example/")).status_code == 403
    assert not Endpoint.objects.exists()
