"""The delivery-window dispute in Chromium (seed 004): the customer, told twice, demands
an exact time; the agent sees both acknowledgements with their versions, inserts the
policy into the reply with one click, and sending it records the third."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from caredesk.policies.actions import Told, do_record_acknowledgement
from caredesk.policies.models import Acknowledgement, How
from caredesk.tickets import actions
from caredesk.tickets.models import Channel
from tests.policies.helpers import DELIVERY_TEXT, policy

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def test_told_twice_then_the_policy_is_inserted_into_the_reply(page, desk):
    now = timezone.now()
    window = policy("delivery-window", "Delivery window", DELIVERY_TEXT, now - timedelta(days=40))
    version = window.versions.get()
    for how, kind, ref, days in (
        (How.AT_PURCHASE, "record", "204117", 30),
        (How.SCHEDULING_CALL, "call", "call-88", 14),
    ):
        do_record_acknowledgement(
            customer=desk.alice,
            version=version,
            how=how,
            by=Told(label="Shop"),
            now=now,
            told_at=now - timedelta(days=days),
            evidence_kind=kind,
            evidence_ref=ref,
        )
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="I want the driver at 9 sharp",
        channel=Channel.PORTAL,
        now=now,
        body="Nobody told me about a four-hour window. I want an exact time: 9 o'clock.",
        team=desk.billing,
    )

    sign_in_staff(page, "ada@desk.test")
    page.goto(f"/cases/{ticket.pk}/")
    item = page.locator("#policy-delivery-window")
    summary = item.locator(".told-summary").inner_text()
    assert summary.startswith("Told 2 times: at purchase (receipt, ")
    assert "at scheduling (call, " in summary
    told = item.locator(".acknowledgements details")
    assert told.count() == 2
    told.first.locator("summary").click()
    assert "version 1" in told.first.inner_text() and DELIVERY_TEXT in told.first.inner_text()

    page.fill("#reply-body", "Dear Alice,")
    item.get_by_role("button", name="Insert into reply").click()
    assert DELIVERY_TEXT in page.input_value("#reply-body")
    page.get_by_role("button", name="Send reply").click()
    page.locator(".msg-reply").filter(has_text="four-hour window").wait_for()

    page.locator("#policy-delivery-window .told-summary").filter(has_text="Told 3 times").wait_for()
    third = Acknowledgement.objects.get(how=How.REPLY)
    assert third.version == version and third.by_user == desk.agent
    assert third.message is not None and third.message.ticket_id == ticket.pk
