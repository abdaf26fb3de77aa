"""The notification center, the top-bar badge, the preferences form and @mentions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caredesk.core.models import Notification, NotificationPreference
from caredesk.core.notifications import notify
from caredesk.tickets import actions
from tests.notifications.conftest import open_case

M = timedelta(minutes=1)


def signed_in(client, user):
    client.force_login(user)
    return client


def mentions_of(user):
    return list(Notification.objects.filter(recipient_id=user.pk, kind="mention"))


# --- @mentions ---------------------------------------------------------------------------


def test_a_mention_tells_the_named_colleague_once(desk, now):
    ticket = open_case(desk, now)
    note = actions.do_add_note(
        ticket,
        agent=desk.agent,
        body="@Lena Lead please look. @lena lead again, and @lena@desk.test by address.",
        now=now,
    )
    [told] = mentions_of(desk.lead)
    assert told.subject == f"[{ticket.reference}] Ada Agent mentioned you: Invoice is wrong"
    assert told.link == f"/cases/{ticket.pk}/#m{note.pk}" and "please look" in told.body


def test_mentions_by_first_name_and_address_and_never_the_author(desk, now):
    ticket = open_case(desk, now, team=None)
    actions.do_add_note(
        ticket, agent=desk.agent, body="cc @Max and @otto@desk.test; note to self @Ada", now=now
    )
    assert len(mentions_of(desk.manager)) == 1
    assert len(mentions_of(desk.other_agent)) == 1
    assert mentions_of(desk.agent) == []


def test_unknown_customers_and_outsiders_are_not_told(desk, now):
    ticket = open_case(desk, now)  # Billing's case: Otto (Delivery) cannot see it
    actions.do_add_note(
        ticket,
        agent=desk.agent,
        body="@Nobody @otto@desk.test @Otto @bob@small.test @Bob email me at ada@desk.test @",
        now=now,
    )
    assert Notification.objects.filter(kind="mention").count() == 0


def test_hostile_mentions_are_stored_and_shown_as_text(desk, now, client):
    ticket = open_case(desk, now, subject='<img src=x onerror="alert(1)">')
    actions.do_add_note(
        ticket, agent=desk.agent, body='@Lena Lead <script>alert("x")</script> & co', now=now
    )
    page = signed_in(client, desk.lead).get("/notifications/")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page.text
    assert "&lt;img src=x" in page.text


def test_a_note_full_of_at_signs_is_bounded(desk, now):
    ticket = open_case(desk, now)
    body = "@Lena Lead " + "@x " * 3000
    actions.do_add_note(ticket, agent=desk.agent, body=body[:10_000], now=now)
    assert len(mentions_of(desk.lead)) == 1


# --- the center and the badge -----------------------------------------------------------


def test_center_lists_newest_first_filters_and_pages(desk, now, client):
    for n in range(30):
        notify(desk.agent, "mention", subject=f"Mention {n:02}", now=now + n * M, link="/")
    notify(desk.agent, "sla_breach", subject="A breach", now=now + 40 * M, ticket_id=12)
    notify(desk.lead, "mention", subject="Not Ada's", now=now)
    c = signed_in(client, desk.agent)
    page = c.get("/notifications/")
    assert page.status_code == 200
    text = page.text
    assert text.index("A breach") < text.index("Mention 29") < text.index("Mention 06")
    assert "Mention 05" not in text and "Not Ada&#x27;s" not in text and "Not Ada's" not in text
    assert 'href="/cases/12/"' in text and "31 unread" in text
    older = c.get("/notifications/?page=2")
    assert (
        "Mention 05" in older.text and "Mention 00" in older.text and "A breach" not in older.text
    )
    only = c.get("/notifications/?kind=sla_breach")
    assert "A breach" in only.text and "Mention 29" not in only.text


def test_bad_filters_are_refused_clearly(desk, client):
    c = signed_in(client, desk.agent)
    bad = c.get("/notifications/?kind=" + "<script>" * 200 + "&page=99999999999999999999")
    assert bad.status_code == 400 and "That notification type does not exist" in bad.text
    assert "<script><script>" not in bad.text
    assert c.get("/notifications/?page=-3&show=nonsense").status_code == 200


def test_empty_states(desk, client):
    c = signed_in(client, desk.agent)
    assert "No notifications yet." in c.get("/notifications/").text
    assert "Nothing unread here." in c.get("/notifications/?show=unread").text


def test_badge_counts_unread_in_one_query_and_mark_read(desk, now, client):
    rows = [notify(desk.agent, "mention", subject=f"N{n}", now=now) for n in range(3)]
    notify(desk.lead, "mention", subject="Lena's", now=now)
    c = signed_in(client, desk.agent)
    inbox = c.get("/")
    assert 'id="notification-badge"' in inbox.text and ">3<" in inbox.text
    with CaptureQueriesContext(connection) as queries:
        badge = c.get("/notifications/count")
    counts = [q["sql"] for q in queries if "core_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    assert (
        badge.status_code == 200
        and ">3<" in badge.text
        and 'hx-get="/notifications/count"' in badge.text
    )
    assert c.post(f"/notifications/{rows[0].pk}/read").status_code == 302
    assert ">2<" in c.get("/notifications/count").text
    # Someone else's notification cannot be marked, and nothing breaks.
    lenas = Notification.objects.get(recipient_id=desk.lead.pk)
    assert c.post(f"/notifications/{lenas.pk}/read").status_code == 302
    assert Notification.objects.get(pk=lenas.pk).read_at is None
    assert c.post("/notifications/99999999999999999999999/read").status_code == 404
    assert c.post("/notifications/read-all").status_code == 302
    assert 'class="badge unread-count none"' in c.get("/notifications/count").text
    assert Notification.objects.filter(recipient_id=desk.lead.pk, read_at__isnull=True).count() == 1


def test_marking_needs_post_csrf_and_staff(desk, now):
    notify(desk.agent, "mention", subject="N", now=now)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk.agent)
    assert strict.post("/notifications/read-all").status_code == 403
    assert strict.get("/notifications/read-all").status_code == 405
    anonymous = Client()
    assert anonymous.get("/notifications/")["Location"].startswith("/login/")
    customer = Client()
    customer.force_login(desk.bob.user)
    assert customer.get("/notifications/count")["Location"] == "/portal/"
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


# --- preferences on the Account page ------------------------------------------------------


def test_preferences_form_saves_and_shows_choices(desk, client):
    c = signed_in(client, desk.lead)
    page = c.get("/account/")
    assert 'id="notifications"' in page.text and 'name="delivery-mention"' in page.text
    saved = c.post(
        "/account/notifications",
        {"delivery-mention": "in_app", "delivery-sla_breach": "both", "digest_hours": "8"},
    )
    assert saved.status_code == 302 and saved["Location"] == "/account/#notifications"
    assert NotificationPreference.objects.get(user_id=desk.lead.pk).kind == "mention"
    page = c.get("/account/")
    assert '<option value="8" selected>' in page.text


@pytest.mark.parametrize(
    "data",
    [
        {"delivery-mention": "sms"},
        {"delivery-<script>": "both"},
        {"digest_hours": "3"},
        {"digest_hours": "9" * 5000},
        {"delivery-mention": "x" * 100_000},
    ],
)
def test_preferences_form_refuses_bad_input_clearly(desk, client, data):
    c = signed_in(client, desk.lead)
    response = c.post("/account/notifications", data)
    assert response.status_code == 400 and 'role="alert"' in response.text
    assert "<script>" not in response.text
    assert not NotificationPreference.objects.exists()
