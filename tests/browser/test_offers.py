"""P4 in Chromium: the offer panel is locked while the case is open, unlocks when the
agent resolves it (neutral mood), the agent makes the offer, and the customer takes it
in the portal and gets the code."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caredesk.offers.models import Offer, OfferKind, OfferMade, Outcome
from caredesk.tickets import actions
from caredesk.tickets.models import Channel

from .test_journeys import sign_in_customer, sign_in_staff

pytestmark = pytest.mark.browser


def test_offer_unlocks_after_solving_and_the_customer_takes_it(browser, page, desk, live_server):
    Offer.objects.create(
        name="Loyalty voucher",
        kind=OfferKind.LOYALTY,
        text="10% off your next order.",
        code="THANKS10",
    )
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Opening hours",
        channel=Channel.PORTAL,
        now=timezone.now(),
        body="When is the shop open on Saturday?",
        team=desk.billing,
    )
    sign_in_staff(page, "ada@desk.test")
    page.goto(f"/cases/{ticket.pk}/")
    panel = page.locator("#offers")
    assert "Locked." in panel.inner_text() and "Loyalty voucher" not in panel.inner_text()
    assert "Mood: Neutral" in page.locator("#case-mood").inner_text()

    page.select_option("#status-select", "resolved")
    page.get_by_role("button", name="Set status").click()
    page.locator("#offers").get_by_role("button", name="Make this offer").click()
    page.get_by_text("Offered Loyalty voucher to Alice Acme.").wait_for()
    assert OfferMade.objects.get().outcome == Outcome.PENDING

    customer = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    portal = customer.new_page()
    sign_in_customer(portal, "alice@acme.test")
    portal.locator("#offers").get_by_text("10% off your next order.").wait_for()
    portal.locator("#offers").get_by_role("button", name="Yes, please").click()
    portal.get_by_text("Your code: THANKS10").wait_for()
    assert portal.locator("#offers").count() == 0
    customer.close()
    assert OfferMade.objects.get().outcome == Outcome.ACCEPTED
