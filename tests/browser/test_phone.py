"""The staff pages on a phone (390 x 844): nothing wider than the screen, the inbox as
one card per case, and a reply written and sent from the case page."""

from __future__ import annotations

import re

import pytest

from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Message, MessageKind
from tests.browser.test_journeys import sign_in_staff

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_an_agent_works_a_case_on_a_phone(page, desk, now):
    page.set_viewport_size(PHONE)
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Where is my parcel? Order 204117 with a rather long subject line to wrap",
        channel=Channel.EMAIL,
        now=now,
        body="Where is my parcel for order 204117?",
        team=desk.billing,
    )
    actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
    actions.do_set_tags(ticket, actor=desk.agent, names=["delivery", "order-204117"], now=now)
    sign_in_staff(page, "ada@desk.test")

    for path in ("/", "/notifications/", "/promises/", "/escalations/", "/account/", "/macros/"):
        page.goto(path)
        assert _page_width(page) <= PHONE["width"], path

    page.goto("/")
    card = page.locator("#inbox tbody tr").first
    box = card.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    # Each value is labelled in the card, since the column headings are not shown.
    assert page.locator("#inbox thead").is_hidden()
    label = card.locator("td[data-label=Assignee]").evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert "Assignee" in label and "Ada Agent" in card.inner_text()

    card.get_by_role("link", name=ticket.reference).click()
    page.wait_for_url(re.compile(rf"/cases/{ticket.pk}/"))
    assert _page_width(page) <= PHONE["width"]
    reply = page.locator("#reply-body")
    reply.scroll_into_view_if_needed()
    reply.fill("Your parcel for order 204117 is at the depot and arrives tomorrow morning.")
    send = page.get_by_role("button", name="Send reply")
    send_box = send.bounding_box()
    assert send_box is not None and send_box["x"] + send_box["width"] <= PHONE["width"]
    send.click()
    page.get_by_text("arrives tomorrow morning").first.wait_for()
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()
    assert _page_width(page) <= PHONE["width"]
