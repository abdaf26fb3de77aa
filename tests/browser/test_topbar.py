"""The staff top bar fits: at 1280 px an admin sees every everyday link, their name and
Sign out, with the set-up pages under "More"; at 390 px (a phone) the bar wraps, nothing
is wider than the screen, and "More" opens by keyboard with aria-expanded in step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import sign_in_staff

pytestmark = pytest.mark.browser

EVERYDAY = ("Inbox", "Search", "Reports", "Promises", "Decisions", "Incidents", "Notifications")
MORE = ("Macros", "Automations", "Articles", "Policies", "Views", "Fields", "Admin")


def _inside(page, locator, width: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def _check_bar(page, width: int) -> None:
    nav = page.get_by_role("navigation", name="Main")
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= width
    for name in EVERYDAY:
        link = nav.get_by_role("link", name=name)
        assert link.is_visible() and _inside(page, link, width), name
    who = page.locator(".who")
    for target in (who.locator(".who-name"), who.get_by_role("button", name="Sign out")):
        assert target.is_visible() and _inside(page, target, width)
    more = nav.locator("summary", has_text="More")
    assert more.get_attribute("aria-expanded") == "false"
    assert nav.get_by_role("link", name="Automations").is_hidden()
    more.focus()
    page.keyboard.press("Enter")
    # The details element's toggle event (which sets aria-expanded) fires after the key.
    expect(more).to_have_attribute("aria-expanded", "true")
    for name in MORE:
        link = nav.get_by_role("link", name=name, exact=True)
        assert link.is_visible() and _inside(page, link, width), name
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= width
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    assert nav.get_by_role("link", name="Macros").is_hidden()


@pytest.mark.parametrize("width", [1280, 390])
def test_every_nav_link_fits_for_an_admin(page, desk, width):
    page.set_viewport_size({"width": width, "height": 900})
    desk.admin.name = "Dana Whitfield-Longname"  # a long name still fits
    desk.admin.save()
    sign_in_staff(page, "root@desk.test")
    _check_bar(page, width)
    # The menu's pages are reachable: Automations is back in the nav.
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="More").click()
    nav.get_by_role("link", name="Automations").click()
    page.wait_for_url("**/automations/")
    more = page.get_by_role("navigation", name="Main").locator("summary", has_text="More")
    assert "active" in (more.get_attribute("class") or "")


def test_an_agent_sees_no_admin_links(page, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_staff(page, "ada@desk.test")
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="More").click()
    assert nav.get_by_role("link", name="Macros").is_visible()
    assert nav.get_by_role("link", name="Fields").count() == 0
    assert nav.get_by_role("link", name="Admin", exact=True).count() == 0
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= 390
