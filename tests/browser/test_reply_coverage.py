"""The reply coverage warning in Chromium, by keyboard: the reply is held with a warning,
the agent tabs to Send anyway, and the case keeps the warning and the decision."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Message, MessageKind

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def test_warning_then_send_anyway_by_keyboard(browser, page, desk, live_server):
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Footstool",
        channel=Channel.PORTAL,
        now=timezone.now(),
        body="When will my footstool arrive? I need an exact time please.",
        team=desk.billing,
    )
    sign_in_staff(page, "ada@desk.test")
    page.goto(f"/cases/{ticket.pk}/")
    page.keyboard.press("r")
    page.keyboard.type("Thanks for waiting, your sofa is on its way.")
    page.get_by_role("button", name="Send reply").click()

    panel = page.locator("#reply-coverage")
    panel.wait_for()
    assert "Alice asked about the footstool and an exact time" in panel.inner_text()
    assert page.input_value("#reply-body") == "Thanks for waiting, your sofa is on its way."
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()

    anyway = page.locator("#reply-send-anyway")
    page.locator("button", has_text="Send reply").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reply-send-anyway"
    page.keyboard.press("Enter")
    page.locator(".msg-reply").filter(has_text="your sofa is on its way").wait_for()
    assert anyway.count() == 0  # back to the plain reply box
    page.get_by_text("sent the reply anyway after a warning").wait_for()
    event = AuditEvent.objects.get(ticket=ticket, verb="reply_coverage")
    assert event.new_value["decision"] == "sent_anyway"


def test_the_warning_panel_fits_a_phone(browser, desk, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    try:
        ticket = actions.do_open_ticket(
            customer=desk.alice,
            subject="Refund",
            channel=Channel.PORTAL,
            now=timezone.now(),
            body="Why was I charged twice for my order?",
            team=desk.billing,
        )
        sign_in_staff(page, "ada@desk.test")
        page.goto(f"/cases/{ticket.pk}/")
        page.fill("#reply-body", "Your order ships on Friday.")
        page.get_by_role("button", name="Send reply").click()
        page.locator("#reply-coverage").wait_for()
        box = page.locator("#reply-coverage").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert page.locator("#reply-send-anyway").is_visible()
        assert "the reason" in page.locator("#reply-coverage").inner_text()
    finally:
        context.close()
