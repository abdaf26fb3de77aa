"""A lead opens the care report from the nav, filters by team with the keyboard, downloads
a CSV, and reads it on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from caredesk.reports.aggregates import backfill
from tests.browser.test_journeys import sign_in_staff
from tests.reports.conftest import reopen, solved_once


def test_lead_reads_the_care_report_and_filters_by_team(browser, page, desk, live_server):
    now = timezone.now()
    solved_once(desk, now - timedelta(days=12))
    reopened = solved_once(desk, now - timedelta(days=10), customer=desk.alice)
    reopen(desk, reopened, now - timedelta(days=9))
    backfill(15, now)

    sign_in_staff(page, "lena@desk.test")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("heading", name="Care report").wait_for()
    assert "first-contact resolution" in page.locator(".kpi").first.inner_text().lower()
    assert page.locator("#k-reopen + .value").inner_text() == "50%"  # the reopen shows
    assert page.locator("svg.chart").count() >= 3

    page.focus("#team")
    page.keyboard.press("ArrowDown")  # All teams -> Billing
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**team={desk.billing.pk}**")
    assert page.locator("#team").input_value() == str(desk.billing.pk)

    with page.expect_download() as download:
        page.locator("a[href^='/reports/export/agents.csv']").click()
    assert download.value.suggested_filename.startswith("caredesk-agents-")

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    small = phone.new_page()
    sign_in_staff(small, "lena@desk.test")
    small.goto("/reports/")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, width  # wide tables scroll inside their box, not the page
    phone.close()
