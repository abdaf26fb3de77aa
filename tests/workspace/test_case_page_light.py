"""The case page stays light: at most 10 queries whatever the length of the case, the
newest timeline entries first with "Show earlier" (a keyset cursor), and the side panels
loaded after the page, each from its own checked endpoint (#16)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.enrichment.abuse import AbuseResult
from caredesk.enrichment.actions import do_record_abuse_score, do_record_sentiment
from caredesk.enrichment.models import MessageAbuse, MessageSentiment
from caredesk.enrichment.sentiment import SentimentResult
from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import Channel
from caredesk.workspace.panels import PANELS
from caredesk.workspace.selectors import TIMELINE_PAGE
from tests.case_page import case_page_html, lazy_panel_urls
from tests.workspace.conftest import assert_no_inline_script, open_case, signed_in

HX = {"HTTP_HX_REQUEST": "true"}


def grow(desk, case, now, messages: int):
    """A case with ``messages`` messages of every kind: customer messages (scored, one
    flagged as abusive), mailed replies, notes with attachments, and status changes."""
    at = now
    for i in range(messages - 1):
        at = at + timedelta(minutes=1)
        if i % 3 == 0:
            m = actions.do_add_customer_message(
                case, customer=desk.alice, body=f"Customer {i}", channel=Channel.PORTAL, now=at
            )
            # Scored here if the on-commit enrichment did not score it already; then set.
            do_record_sentiment(m.pk, SentimentResult(compound=-0.5, label="negative"), now=at)
            MessageSentiment.objects.filter(message=m).update(compound=-0.5, label="negative")
            do_record_abuse_score(m.pk, AbuseResult(0.01, ("test",), "test"), now=at)
            MessageAbuse.objects.filter(message=m).update(flagged=i == 0, score=0.99)
        elif i % 3 == 1:
            actions.do_reply(
                case,
                agent=desk.agent,
                body=f"Reply {i}",
                files=[IncomingFile(f"r{i}.txt", b"x", "text/plain")],
                now=at,
            )
        else:
            actions.do_add_note(case, agent=desk.agent, body=f"Note {i}", now=at)
    return at


def page_queries(client, case) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_case_page_is_at_most_ten_queries_and_constant_in_messages(
    desk, client, now, django_assert_max_num_queries
):
    short = open_case(desk, now, team=desk.billing, subject="Short case")
    grow(desk, short, now, 3)
    long = open_case(desk, now, team=desk.billing, subject="Long case")
    grow(desk, long, now, 60)
    signed_in(client, desk.agent)
    client.get(f"/cases/{short.pk}/")  # warm: the session's first read
    with django_assert_max_num_queries(10):
        few, html_short = page_queries(client, short)
    with django_assert_max_num_queries(10):
        many, html_long = page_queries(client, long)
    assert few == many
    assert "Reply 1" in html_short and "r1.txt" in html_short
    assert "Hidden: possibly abusive" in html_short and "Negative" in html_short
    assert "Reply 58" in html_long  # the newest entries are there


def test_long_timeline_shows_the_newest_entries_and_earlier_ones_on_request(desk, client, now):
    case = open_case(desk, now, team=desk.billing, body="The very first words.")
    grow(desk, case, now, 80)
    signed_in(client, desk.agent)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    shown = re.findall(r'<li (?:class="event" )?id="([me]\d+)"', html)
    assert len(shown) == TIMELINE_PAGE
    first = case.messages.order_by("created_at", "id").first()
    assert "Reply 76" in html and f'id="m{first.pk}"' not in html
    link = re.search(r'href="(/cases/\d+/timeline\?before=[0-9.]+)"', html)
    assert link and "Show earlier entries" in html
    seen = set(shown)
    url = link.group(1)
    pages = 0
    while url:
        fragment = client.get(url, **HX).content.decode()
        entries = re.findall(r'<li (?:class="event" )?id="([me]\d+)"', fragment)
        assert entries and not seen & set(entries)  # no entry twice
        seen |= set(entries)
        more = re.search(r'href="(/cases/\d+/timeline\?before=[0-9.]+)"', fragment)
        url = more.group(1) if more else ""
        pages += 1
        assert pages < 10
    assert f'id="m{first.pk}"' in fragment
    # Every message and every shown event of the case, exactly once.
    assert len([s for s in seen if s.startswith("m")]) == case.messages.count()


def test_show_earlier_works_without_script_as_a_page(desk, client, now):
    case = open_case(desk, now, team=desk.billing, body="The very first words.")
    grow(desk, case, now, 60)
    signed_in(client, desk.agent)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    url = re.search(r'href="(/cases/\d+/timeline\?before=[0-9.]+)"', html).group(1)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Earlier entries" in body and "Back to the case" in body
    assert re.findall(r'<li (?:class="event" )?id="[me]\d+"', body)
    assert f'href="/cases/{case.pk}/timeline?before=' in body  # and still earlier ones
    assert_no_inline_script(body)


@pytest.mark.parametrize(
    "before",
    [
        "",
        "abc",
        "1.2",
        "-1.0.1",
        "9" * 18 + ".0.1",
        "1.0." + "9" * 19,
        "1.2.1",
        "1.0.1; DROP TABLE tickets_message",
        "1.0.1\x00",
        "1" * 5000,
        "١٢.0.1",
    ],
)
def test_malformed_timeline_cursor_is_a_clear_400(desk, client, now, case, before):
    signed_in(client, desk.agent)
    response = client.get(f"/cases/{case.pk}/timeline", {"before": before})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_a_cursor_before_everything_shows_no_earlier_entries(desk, client, now, case):
    signed_in(client, desk.agent)
    response = client.get(f"/cases/{case.pk}/timeline", {"before": "0.0.1"})
    assert response.status_code == 200 and "No earlier entries." in response.content.decode()


def test_timeline_of_a_case_out_of_reach_is_404(desk, client, now, case):
    signed_in(client, desk.other_agent)  # Delivery team: cannot see a Billing case
    assert client.get(f"/cases/{case.pk}/timeline", {"before": "1.0.1"}).status_code == 404


def test_page_names_every_panel_and_loads_it_on_load(desk, client, now, case):
    signed_in(client, desk.agent)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    urls = lazy_panel_urls(html)
    assert sorted(urls) == sorted(f"/cases/{case.pk}/panels/{slug}" for slug in PANELS)
    assert html.count('hx-trigger="load"') >= len(PANELS)
    # Each placeholder is also a plain link (keyboard, no script).
    for url in urls:
        assert f'<a href="{url}">' in html


@pytest.mark.parametrize("slug", sorted(PANELS))
def test_each_panel_renders_as_a_fragment_and_as_a_page(desk, client, now, case, slug):
    signed_in(client, desk.agent)
    fragment = client.get(f"/cases/{case.pk}/panels/{slug}", **HX)
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<html" not in text and text.strip()
    assert_no_inline_script(text)
    page = client.get(f"/cases/{case.pk}/panels/{slug}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body and "Back to the case" in body and case.reference in body


@pytest.mark.parametrize("slug", sorted(PANELS))
@pytest.mark.parametrize("who", ["other_agent", "customer", "anonymous"])
def test_each_panel_checks_access_to_the_case(desk, client, now, case, slug, who):
    if who == "other_agent":
        signed_in(client, desk.other_agent)
    elif who == "customer":
        signed_in(client, desk.alice.user)
    response = client.get(f"/cases/{case.pk}/panels/{slug}", **HX)
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif who == "customer":  # customers are sent to the portal, as from the case page
        assert response.status_code == 302 and response["Location"] == "/portal/"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("slug", ["nope", "PROMISES", "a" * 300, "..", "promises%00"])
def test_unknown_panel_is_404(desk, client, now, case, slug):
    signed_in(client, desk.agent)
    assert client.get(f"/cases/{case.pk}/panels/{slug}", **HX).status_code == 404


def test_panels_show_their_empty_states(desk, client, now, case):
    signed_in(client, desk.agent)
    html = case_page_html(client, case.pk)
    assert "No other cases from this customer." in html
    assert "Not resolved yet." in html
    assert 'name="assignee"' in html and "Reassign" in html
    assert "alice@acme.test" in html


def test_panels_post_nothing_and_refuse_post(desk, client, now, case):
    signed_in(client, desk.agent)
    assert client.post(f"/cases/{case.pk}/panels/owner").status_code == 405
    assert client.post(f"/cases/{case.pk}/timeline").status_code == 405


def test_refused_reassignment_shows_the_form_in_place(desk, client, now, case):
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{case.pk}/assign", {"team": "999999", "assignee": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="assign-form"' in html and 'role="alert"' in html
    assert "/panels/owner" not in html
