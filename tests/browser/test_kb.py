"""Help articles in Chromium: suggestions appear while a customer types the subject of a
new case (and the visit is recorded), and an agent inserts an article's link into a
reply from the keyboard."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from caredesk.kb.actions import ArticleData, do_publish_article, do_write_article
from caredesk.kb.models import Deflection, Visibility
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Ticket

from .test_journeys import sign_in_customer, sign_in_staff

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def _article(desk, title, body, **kw):
    now = timezone.now()
    article = do_write_article(
        actor=desk.lead, data=ArticleData(title=title, body=body, **kw), now=now
    )
    return do_publish_article(actor=desk.lead, article=article, now=now)


def test_suggestions_appear_while_typing_a_new_case(page, desk):
    public = _article(desk, "Track your parcel", "Use the tracking link in your mail.")
    _article(
        desk, "Parcel override for agents", "Internal parcel tips.", visibility=Visibility.INTERNAL
    )
    sign_in_customer(page, "alice@acme.test")
    page.goto("/portal/cases/new/")
    page.get_by_label("Subject").press_sequentially("where is my parc", delay=30)
    suggestion = page.locator("#help-suggestions a.kb-suggestion")
    expect(suggestion).to_have_text("Track your parcel")
    expect(page.locator("#help-suggestions")).not_to_contain_text("override")
    href = suggestion.get_attribute("href") or ""
    assert re.match(rf"^/help/articles/{public.slug}/\?d=[\w-]+$", href), href
    record = Deflection.objects.get()
    assert record.shown == [public.pk] and record.customer == desk.alice
    # The customer reads the article (a new tab in a real browser), then opens the case anyway.
    page.get_by_label("Your message").fill("The tracking link shows nothing.")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+/$"))
    record.refresh_from_db()
    assert record.ticket == Ticket.objects.get(subject="where is my parc")


def test_an_agent_inserts_an_article_link_from_the_keyboard(page, desk):
    article = _article(desk, "Returns in 30 days", "Send it back within **30 days**.")
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Can I return it?",
        channel=Channel.PORTAL,
        now=timezone.now(),
        body="Bought last week.",
        team=desk.billing,
    )
    sign_in_staff(page, "ada@desk.test")
    page.goto(f"/cases/{ticket.pk}")
    reply = page.locator("#reply-body")
    reply.fill("Hi Alice, see ")
    reply.press("End")
    reply.press("Control+k")
    search = page.locator("#kb-picker-q")
    expect(search).to_be_focused()
    search.press_sequentially("retur", delay=30)
    expect(page.locator("#kb-picker-results [role=option]")).to_have_count(1)
    search.press("ArrowDown")
    search.press("Enter")
    expect(reply).to_be_focused()
    expect(reply).to_have_value(
        re.compile(
            rf"^Hi Alice, see Returns in 30 days: http://[^/]+/help/articles/{article.slug}/$"
        )
    )


def test_a_visitor_searches_the_help_centre_on_a_phone(page, desk):
    from caredesk.kb.actions import do_save_category

    cat = do_save_category(actor=desk.lead, name="Orders and delivery", now=timezone.now())
    article = _article(
        desk,
        "Change your delivery slot",
        "| Slot | Hours |\n|---|---|\n| Morning | 8-12 |\n\nOpen **My orders** and pick a new slot "
        + "averyveryverylongwordwithoutspaces" * 5,
        category=cat,
    )
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/help/")
    page.get_by_role("link", name=re.compile("Orders and delivery")).wait_for()
    page.get_by_label("Search the help centre").fill("delivery slots")
    page.get_by_label("Search the help centre").press("Enter")
    page.get_by_role("link", name="Change your delivery slot").click()
    page.wait_for_url(re.compile(rf"/help/articles/{article.slug}/$"))
    expect(page.locator("article.kb-article strong")).to_have_text("My orders")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
