"""The notification center in Chromium, on a phone-sized screen: a colleague mentions
Lena in a note, the top-bar badge counts it, she opens the center and marks it read."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caredesk.tickets import actions
from caredesk.tickets.models import Channel

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def test_mention_shows_in_the_badge_and_the_center_and_is_marked_read(
    browser, page, desk, live_server, tmp_path
):
    page.set_viewport_size({"width": 390, "height": 844})
    now = timezone.now()
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Refund <not> arrived",
        channel=Channel.PORTAL,
        now=now,
        body="Still waiting.",
        team=desk.billing,
    )
    actions.do_add_note(ticket, agent=desk.agent, body="@Lena Lead can you approve?", now=now)
    sign_in_staff(page, "lena@desk.test")
    page.goto("/")
    badge = page.locator("#notification-badge")
    assert badge.inner_text().startswith("1")
    page.locator("a.notifications-link").click()
    page.wait_for_url("**/notifications/")
    item = page.locator("li.notification.unread")
    assert "Ada Agent mentioned you: Refund <not> arrived" in item.inner_text()
    page.screenshot(path=str(tmp_path / "center.png"), full_page=True)
    # Keyboard: tab to the item's button and press it.
    item.locator("button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("li.notification.unread").count() == 0
    assert page.locator("#notification-badge").inner_text() == ""
    with page.expect_navigation():
        page.locator("a", has_text="Refund <not> arrived").click()
    assert page.url.endswith(f"/cases/{ticket.pk}/#m{ticket.messages.order_by('-id')[0].pk}")
