"""The portal's language switcher in Chromium, at a phone's width: the customer picks
German with the keyboard, the page and their saved language follow, and the next sign-in
mail is German."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from caredesk.customers.models import Customer

from .test_journeys import sign_in_customer

pytestmark = pytest.mark.browser


def test_the_customer_switches_the_portal_to_german(page, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_customer(page, "alice@acme.test")
    assert page.locator("h1").inner_text() == "My cases"

    switcher = page.get_by_label("Language")
    switcher.focus()
    switcher.select_option("de")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Change language"
    # The switcher comes back to this same address, so waiting for the URL alone would
    # read the old page: wait for the German one.
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.wait_for_url(re.compile(r"/portal/cases/$"))

    assert page.locator("h1").inner_text() == "Meine Fälle"
    assert page.get_by_label("Sprache").input_value() == "de"
    # Nothing runs off the side of a phone's screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert Customer.objects.get(pk=desk.alice.pk).language == "de"

    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r"/portal/signin/"))
    page.fill("input[name=email]", "alice@acme.test")
    page.get_by_role("button", name="Anmeldelink per E-Mail senden").click()
    page.get_by_text("Bitte prüfen Sie Ihre E-Mails").first.wait_for()
    assert mail.outbox[-1].subject == "Ihr Anmeldelink für das Support-Portal"
