"""Automations in Chromium on a phone (390 px): a lead writes one with the keyboard-usable
form, it runs on the next case, and the list, form, page and dry run fit the screen."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from caredesk.automations.models import Automation
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Ticket

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_a_lead_writes_an_automation_on_a_phone_and_it_runs(page, desk):
    page.set_viewport_size(PHONE)
    sign_in_staff(page, "lena@desk.test")
    page.goto("/macros/")
    page.locator("#automations-link").click()
    page.wait_for_url(re.compile(r"/automations/$"))
    assert _page_width(page) <= PHONE["width"]
    page.get_by_role("link", name="New automation").first.click()
    page.wait_for_url(re.compile(r"/automations/new$"))
    assert _page_width(page) <= PHONE["width"]
    page.fill("#id_name", "VIPs first")
    page.get_by_label("A case is opened").check()
    page.get_by_label("VIP", exact=True).check()
    page.select_option("#id_a0_kind", "priority")
    page.select_option("#id_a0_value", "priority:high")
    page.get_by_role("button", name="Save automation").click()
    page.wait_for_url(re.compile(r"/automations/\d+/$"))
    assert _page_width(page) <= PHONE["width"]
    automation = Automation.objects.get()
    assert automation.conditions == {"tiers": ["vip"]}

    case = actions.do_open_ticket(
        customer=desk.alice,
        subject="Fridge never came",
        channel=Channel.PORTAL,
        now=timezone.now(),
        body="Where is it?",
        team=desk.billing,
    )
    assert Ticket.objects.get(pk=case.pk).priority == "high"
    page.reload()
    page.locator("#run-list").get_by_text(case.reference).wait_for()
    page.goto(f"/automations/{automation.pk}/dry-run")
    page.locator("#dry-run-list").get_by_text(case.reference).wait_for()
    assert _page_width(page) <= PHONE["width"]
