"""Sentiment per customer message and the case's current mood (enrichment), kept apart
from abuse."""

from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from caredesk.core.models import Event
from caredesk.enrichment import sentiment, tasks
from caredesk.enrichment.abuse import get_classifier, threshold
from caredesk.enrichment.actions import do_record_sentiment
from caredesk.enrichment.models import CaseMood, MessageAbuse, MessageSentiment
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, MessageKind
from tests.case_page import case_page_html
from tests.offers.conftest import ANGRY, HAPPY, open_case

DATA = Path(__file__).parent.parent / "enrichment" / "data" / "abuse_labelled.tsv"

# (text, sentiment label, abusive?)
LABELLED = [
    ("I am very disappointed, please help", "negative", False),
    (
        "I am extremely angry that my refund still has not arrived. Please fix this today.",
        "negative",
        False,
    ),
    (
        "This is unacceptable, the third late delivery this month. I want a manager.",
        "negative",
        False,
    ),
    ("You are a useless idiot and I will find you.", "negative", True),
    ("Thank you so much, that fixed it. Great service!", "positive", False),
    ("Lovely, the new parcel arrived and it is perfect, thanks.", "positive", False),
    ("Could you please help me reset my password?", "neutral", False),
    ("When will my parcel arrive?", "neutral", False),
]


@pytest.mark.parametrize(("text", "label", "abusive"), LABELLED)
def test_labelled_messages(text, label, abusive):
    assert sentiment.score(text).label == label
    # Sentiment and abuse are separate: angry-but-polite is negative and not abusive.
    assert (get_classifier().score(text).score >= threshold()) is abusive


def test_polite_requests_are_not_read_as_positive():
    # VADER alone reads "please help" as positive; the courtesy words are neutralised.
    assert sentiment.score("I am very disappointed, please help").compound < -0.3
    assert sentiment.score("please help").label == "neutral"


def test_angry_sentences_of_the_abuse_set_read_mostly_negative():
    with DATA.open(encoding="utf-8") as handle:
        rows = [(r["label"], r["text"]) for r in csv.DictReader(handle, delimiter="\t")]
    angry = [sentiment.score(t).label for label, t in rows if label == "angry"]
    polite = [sentiment.score(t).label for label, t in rows if label == "polite"]
    assert sum(x == "negative" for x in angry) / len(angry) >= 0.55
    assert sum(x != "negative" for x in polite) / len(polite) >= 0.9


def test_hostile_and_huge_text_is_scored_without_error():
    assert sentiment.score("").label == "neutral"
    assert sentiment.score("\x00\ufffd" * 10).label == "neutral"
    big = sentiment.score("terrible awful " * 100_000)  # cut at MAX_CHARS
    assert big.label == "negative" and -1 <= big.compound <= 1


def test_mood_is_a_recency_weighted_mean():
    assert sentiment.mood([]) is None
    assert sentiment.mood([0.5]) == 0.5
    # Newest first, weights 1, 1/2: (1*0.6 + 0.5*-0.9) / 1.5
    assert sentiment.mood([0.6, -0.9]) == pytest.approx(0.1)
    # Only the last five count.
    assert sentiment.mood([0.0] * 5 + [-1.0] * 10) == 0.0


def test_customer_messages_are_scored_and_the_mood_kept(desk, now):
    ticket = open_case(desk, now, body=ANGRY)
    first = ticket.messages.get()
    row = MessageSentiment.objects.get(message=first)
    assert row.label == "negative"
    mood = CaseMood.objects.get(ticket=ticket)
    assert mood.label == "negative" and mood.scored_messages == 1
    actions.do_reply(
        ticket, agent=desk.agent, body="So sorry, fixed.", now=now + timedelta(minutes=1)
    )
    actions.do_add_customer_message(
        ticket,
        customer=desk.alice,
        body=HAPPY,
        channel=Channel.PORTAL,
        now=now + timedelta(minutes=2),
    )
    # The reply is not scored (staff words); the thanks outweighs the older anger.
    assert MessageSentiment.objects.filter(ticket=ticket).count() == 2
    mood.refresh_from_db()
    assert mood.label == "positive" and mood.scored_messages == 2
    # The first reading is no change; the turn to positive is an event (not an audit row).
    changes = Event.objects.filter(ticket_id=ticket.pk, kind="mood.changed")
    assert [(e.data["old"], e.data["new"]) for e in changes] == [("negative", "positive")]
    assert not AuditEvent.objects.filter(ticket=ticket, verb__contains="mood").exists()


def test_a_task_run_again_writes_nothing_twice(desk, now):
    ticket = open_case(desk, now, body=ANGRY)
    message = ticket.messages.get()
    assert not tasks.score_sentiment(message.pk)  # the first run (after commit) scored it
    again = do_record_sentiment(message.pk, sentiment.score(ANGRY), now=now)
    assert again is None
    tasks.sentiment_customer_messages.call([message.pk, message.pk])
    assert MessageSentiment.objects.filter(message=message).count() == 1
    assert CaseMood.objects.get(ticket=ticket).scored_messages == 1
    assert not Event.objects.filter(kind="mood.changed").exists()


def test_only_customer_messages_are_scored(desk, now):
    ticket = open_case(desk, now)
    note = actions.do_add_note(ticket, agent=desk.agent, body="awful, terrible", now=now)
    assert note.kind == MessageKind.NOTE
    assert not tasks.score_sentiment(note.pk)
    assert not MessageSentiment.objects.filter(message=note).exists()


def test_backfill_scores_what_is_missing_with_progress(desk, now):
    ticket = open_case(desk, now, body=ANGRY)
    MessageSentiment.objects.all().delete()
    CaseMood.objects.all().delete()
    out = StringIO()
    call_command("backfill_sentiment", batch=1, stdout=out)
    text = out.getvalue()
    assert "1 customer message(s) to score." in text and "1/1 scored" in text
    assert CaseMood.objects.get(ticket=ticket).label == "negative"
    out = StringIO()
    call_command("backfill_sentiment", stdout=out)
    assert "0 customer message(s) to score." in out.getvalue()


def test_case_page_shows_badges_and_mood_and_abuse_stays_apart(desk, now):
    ticket = open_case(desk, now, body=ANGRY)
    client = Client()
    client.force_login(desk.agent)
    page = case_page_html(client, ticket.pk)
    assert 'id="case-mood"' in page and "Mood: Negative" in page
    assert "sentiment-negative" in page
    assert "Hidden: possibly abusive" not in page
    assert not MessageAbuse.objects.filter(flagged=True).exists()


def test_api_shows_sentiment_and_mood_to_staff_only(desk, now):
    from tests.api.conftest import ApiClient, token_for

    ticket = open_case(desk, now, body=ANGRY)
    staff = ApiClient(token_for(desk.agent, now))
    case = staff.get(f"/api/v1/cases/{ticket.pk}").json()
    assert case["mood"]["label"] == "negative" and case["mood"]["scored_messages"] == 1
    listed = staff.get("/api/v1/cases").json()["items"]
    assert listed[0]["mood"]["label"] == "negative"
    messages = staff.get(f"/api/v1/cases/{ticket.pk}/messages").json()["items"]
    assert messages[0]["sentiment"]["label"] == "negative"
    customer = ApiClient(token_for(desk.alice.user, now))
    assert customer.get(f"/api/v1/cases/{ticket.pk}").json()["mood"] is None
    own = customer.get(f"/api/v1/cases/{ticket.pk}/messages").json()["items"]
    assert own[0]["sentiment"] is None
