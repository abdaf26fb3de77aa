"""P15 in Chromium: the customer cancels a subscription from the portal in one
confirmation; a webhook receiver on loopback gets the signed event; the customer gets
the confirmation mail through the outbox."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from caredesk.channels.webhooks import signing
from caredesk.core.models import OutboundEmail
from caredesk.records.actions import do_upsert_record
from caredesk.selfservice.actions import do_save_request_type
from caredesk.selfservice.models import Kind, RequestType, SelfServiceRequest
from tests.webhooks.conftest import Receiver, make_endpoint

from .test_journeys import sign_in_customer

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver(settings):
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = True
    settings.CAREDESK_WEBHOOK_CONNECT_TIMEOUT = 2.0
    settings.CAREDESK_WEBHOOK_READ_TIMEOUT = 2.0
    r = Receiver()
    yield r
    r.close()


def _wait(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_the_customer_cancels_in_one_confirmation(page, desk, receiver):
    now = timezone.now()
    _endpoint, secret = make_endpoint(desk, receiver.url(), events=["selfservice.*"], now=now)
    do_upsert_record(
        {
            "kind": "subscription",
            "external_id": "GYM-77",
            "customer_id": desk.alice.pk,
            "title": "Gym membership",
            "status": "active",
        },
        actor=None,
        now=now,
    )
    do_save_request_type(
        RequestType(
            name="Cancel my membership",
            kind=Kind.CANCEL_SUBSCRIPTION,
            record_kinds=["subscription"],
            confirmation_text="Your membership ends at the end of this month.",
        ),
        actor=desk.admin,
        now=now,
    )
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in_customer(page, "alice@acme.test")
    page.get_by_role("link", name="Do it yourself").click()
    page.get_by_role("link", name="Cancel my membership").click()
    assert page.get_by_label("Gym membership").is_checked()  # the only one: chosen
    page.get_by_role("button", name="Confirm: cancel my membership").click()
    page.locator("#selfservice-status").get_by_text("Requested").wait_for()
    assert "ends at the end of this month" in page.content()

    req = SelfServiceRequest.objects.get()
    assert req.record.external_id == "GYM-77"
    mail = OutboundEmail.objects.get(to="alice@acme.test", subject__contains="Cancel my membership")
    assert "ends at the end of this month" in mail.text

    assert _wait(lambda: "selfservice.requested" in receiver.kinds()), receiver.kinds()
    got = next(r for r in receiver.requests if r.json["kind"] == "selfservice.requested")
    timestamp = int(got.header("X-Caredesk-Timestamp"))
    assert got.header("X-Caredesk-Signature") == signing.signature(secret, timestamp, got.body)
    data = got.json["data"]["new"]
    assert data["request"] == req.pk and data["record"]["external_id"] == "GYM-77"
    assert data["customer"]["email"] == "alice@acme.test"
