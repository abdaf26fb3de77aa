"""Bulk-assign 30 cases from a saved view in Chromium, and see the summary."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from caredesk.savedviews.actions import ViewData, do_create_view
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Ticket

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_lead_bulk_assigns_30_cases_from_a_saved_view(page, desk):
    now = timezone.now()
    for i in range(30):
        actions.do_open_ticket(
            customer=desk.alice,
            subject=f"Parcel {i} late",
            body="Where is it?",
            channel=Channel.PORTAL,
            now=now,
            team=desk.billing,
            priority="high",
        )
    do_create_view(
        actor=desk.lead,
        data=ViewData(
            name="Billing high",
            visibility="team",
            team=desk.billing,
            filters={"priority": ["high"]},
        ),
        now=now,
    )
    sign_in_staff(page, "lena@desk.test")
    views = page.locator("#saved-views")
    expect(views.get_by_text("Billing high")).to_be_visible()
    expect(views.locator("li", has_text="Billing high").locator(".badge")).to_have_text("30")
    views.get_by_role("link", name="Billing high").click()
    # The selection script runs once the view's page has loaded; checking before that
    # would tick the box without counting it.
    page.wait_for_url(re.compile(r"/views/"))
    page.wait_for_load_state("load")
    page.get_by_label("Select this page").check()
    expect(page.locator("#b-selected")).to_have_text("30 selected")
    page.get_by_label("Action", exact=True).select_option("assign")
    page.get_by_label("Assignee").select_option(label="Ada Agent")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator("#bulk-summary")).to_contain_text("Assign: 30 changed")
    assert Ticket.objects.filter(assignee=desk.agent).count() == 30
    assert AuditEvent.objects.filter(verb="assigned").count() == 30
