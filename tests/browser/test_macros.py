"""A macro from the keyboard in Chromium: the agent presses Ctrl+M in the reply box,
searches, previews (text and changes), applies with Enter, edits the text and sends."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from caredesk.macros.actions import do_create_macro
from caredesk.macros.models import Macro, Scope
from caredesk.macros.validation import MacroData
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Message, MessageKind, Status, Ticket

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_agent_applies_a_macro_from_the_keyboard_edits_and_sends(page, desk):
    now = timezone.now()
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Fridge delivery slot",
        channel=Channel.PORTAL,
        now=now,
        body="When will my fridge arrive?",
        team=desk.billing,
    )
    do_create_macro(
        actor=desk.admin,
        data=MacroData(title="Unrelated refund", scope=Scope.GLOBAL, body="Refund sent."),
        now=now,
    )
    macro = do_create_macro(
        actor=desk.admin,
        data=MacroData(
            title="Delivery slot update",
            scope=Scope.GLOBAL,
            body="Hi {{ customer.first_name }}, we will send your new slot by {{ promise.due }}.",
            set_status=Status.WAITING_US,  # we owe the customer the new slot
            add_tags=["delivery-slot"],
            promise_kind="update",
            promise_text="Send the new delivery slot",
            promise_due_minutes=240,
        ),
        now=now,
    )

    sign_in_staff(page, "ada@desk.test")
    page.goto(f"/cases/{ticket.pk}/")
    page.locator("#reply-body").click()
    page.keyboard.press("Control+m")
    search = page.locator("#macro-q")
    search.wait_for()
    assert page.evaluate("document.activeElement.id") == "macro-q"
    search.type("slot")
    expect(page.locator("#macro-results [role=option]")).to_have_count(1)
    option = page.locator(f"#macro-option-{macro.pk}")
    preview = page.locator("#macro-preview")
    preview.get_by_text("Hi Alice, we will send your new slot by").wait_for()
    assert "Set status to Waiting on us" in preview.inner_text()
    assert "Promise (Send an update)" in preview.inner_text()
    assert option.get_attribute("aria-selected") == "true"

    page.keyboard.press("Enter")
    page.locator("#macro-outcome .macro-applied").wait_for()
    reply = page.locator("#reply-body")
    expect(reply).to_have_value(re.compile(r"^Hi Alice, we will send your new slot by "))
    assert page.evaluate("document.activeElement.id") == "reply-body"
    # Sending keeps the status the macro set (not the reply box's default).
    expect(page.locator("#reply-status-after")).to_have_value("waiting_us")
    # The side panels show what the macro changed, without a reload losing the text.
    page.locator("#tags .tag").filter(has_text="delivery-slot").wait_for()
    page.locator("#promises .promise-text").filter(has_text="Send the new delivery slot").wait_for()

    reply.press("End")
    reply.type(" Sorry the fridge delivery is late. Thanks for your patience.")
    page.get_by_role("button", name="Send reply").click()
    page.locator(".msg-reply").last.wait_for()
    sent = Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).get()
    assert sent.body.startswith("Hi Alice, we will send your new slot by")
    assert sent.body.endswith("Sorry the fridge delivery is late. Thanks for your patience.")
    assert Macro.objects.get(pk=macro.pk).use_count == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_US
    assert Ticket.objects.get(pk=ticket.pk).tags.filter(name="delivery-slot").exists()
