"""Cc/Bcc, time spent and forwarding on the case page in Chromium at 390 px wide: the
fields are reachable, fit the screen, and what they send shows on the case."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Message, MessageKind

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def test_cc_bcc_time_and_forward_on_a_phone(browser, desk, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        ticket = actions.do_open_ticket(
            customer=desk.alice,
            subject="Parcel lost",
            channel=Channel.PORTAL,
            now=timezone.now(),
            body="My parcel 4711 never arrived.",
            team=desk.billing,
        )
        sign_in_staff(page, "ada@desk.test")
        page.goto(f"/cases/{ticket.pk}/")
        page.fill("#reply-body", "Your parcel 4711 is lost; we are sending a new one today.")
        page.locator("#reply-recipients summary").click()
        page.fill("#reply-cc", "courier@partner.test")
        page.fill("#reply-bcc", "boss@acme.test")
        page.fill("#reply-minutes", "25")
        for field in ("#reply-cc", "#reply-bcc", "#reply-minutes"):
            box = page.locator(field).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, field
        page.get_by_role("button", name="Send reply").click()
        page.locator(".msg-reply .cc").filter(has_text="courier@partner.test").wait_for()
        reply = Message.objects.get(ticket=ticket, kind=MessageKind.REPLY)
        assert reply.cc == ["courier@partner.test"] and reply.bcc == ["boss@acme.test"]
        assert page.locator("#time-spent-total").inner_text() == "25 min"

        page.locator("#forward summary").click()
        page.fill("#forward-to", "claims@partner.test")
        box = page.locator("#forward-to").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        assert page.locator("#forward-notes-warning").is_visible()
        page.get_by_role("button", name="Forward").click()
        page.get_by_text("Forwarded the conversation to claims@partner.test.").wait_for()
        assert AuditEvent.objects.filter(ticket=ticket, verb="forwarded").exists()
    finally:
        context.close()
