"""A promise end to end in Chromium: an agent promises a callback in a reply, the customer
sees it in the portal, the agent logs the call, and the promise shows as kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from caredesk.promises.models import Promise, State
from caredesk.tickets import actions
from caredesk.tickets.models import Channel

from .test_journeys import sign_in_customer, sign_in_staff

pytestmark = pytest.mark.browser


def test_agent_promises_a_callback_customer_sees_it_agent_keeps_it(
    browser, page, desk, live_server
):
    now = timezone.now()
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Fridge delivery slot",
        channel=Channel.PORTAL,
        now=now,
        body="Can someone call me about the delivery slot?",
        team=desk.billing,
    )
    due = (now + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")

    sign_in_staff(page, "ada@desk.test")
    page.goto(f"/cases/{ticket.pk}/")
    page.fill("#reply-body", "I will call you this afternoon to fix a slot.")
    page.locator("details.promise-in-reply summary").click()
    page.select_option("#reply-promise-kind", "callback")
    page.fill("#reply-promise-text", "Call to agree a delivery slot")
    page.fill("#reply-promise-due", due)
    page.get_by_role("button", name="Send reply").click()
    page.locator("#promises .promise-text").filter(
        has_text="Call to agree a delivery slot"
    ).wait_for()
    assert "Our promise: we will call you back by" in page.locator(".msg-reply").last.inner_text()

    customer = browser.new_context(base_url=live_server.url)
    portal = customer.new_page()
    sign_in_customer(portal, "alice@acme.test")
    portal.goto(f"/portal/cases/{ticket.pk}/")
    panel = portal.locator("#promises")
    panel.get_by_text("Call to agree a delivery slot").wait_for()
    assert "Open" in panel.inner_text()

    page.locator("details.promise-call summary").click()
    page.fill("#call-number", "+44 20 7946 0000")
    page.fill("#call-minutes", "4")
    page.select_option("#call-outcome", "reached")
    page.fill("#call-notes", "Agreed Thursday morning.")
    page.get_by_role("button", name="Log call").click()
    page.wait_for_url(re.compile(rf"/cases/{ticket.pk}/"))
    page.locator("#promises .promise-state").filter(has_text="Kept").first.wait_for()

    portal.reload()
    portal.locator("#promises .promise-state").filter(has_text="Done").wait_for()
    customer.close()
    assert Promise.objects.get(ticket=ticket).state == State.KEPT
