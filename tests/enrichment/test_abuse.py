"""The abuse classifier on a labelled set, and flagged messages on the case page."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.test import Client

from caredesk.enrichment.abuse import CombinedClassifier, get_classifier, threshold
from caredesk.enrichment.models import CustomerAttention, MessageAbuse
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel
from tests.case_page import case_page_html

DATA = Path(__file__).parent / "data" / "abuse_labelled.tsv"
LABELS = ("abusive", "angry", "polite", "neutral")


def labelled() -> list[tuple[str, str]]:
    with DATA.open(encoding="utf-8") as handle:
        return [(row["label"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def test_labelled_set_precision_and_recall(capsys):
    rows = labelled()
    assert len(rows) >= 200 and {label for label, _ in rows} == set(LABELS)
    classifier = get_classifier()
    assert classifier.name.startswith("profanity-check")  # the shipped model is in use
    flagged = {label: 0 for label in LABELS}
    totals = {label: 0 for label in LABELS}
    for label, text in rows:
        totals[label] += 1
        flagged[label] += classifier.score(text).score >= threshold()
    tp = flagged["abusive"]
    fp = sum(flagged[label] for label in LABELS if label != "abusive")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / totals["abusive"]
    with capsys.disabled():
        print(
            f"\nabuse classifier on {len(rows)} sentences: precision {precision:.3f}, "
            f"recall {recall:.3f}; flagged per group: "
            + ", ".join(f"{label} {flagged[label]}/{totals[label]}" for label in LABELS)
        )
    # Angry but not abusive customers must not be flagged; precision matters most.
    assert flagged["angry"] == 0
    assert flagged["polite"] == 0 and flagged["neutral"] == 0
    assert precision >= 0.95 and recall >= 0.85


def test_rules_alone_still_catch_threats_when_the_model_is_missing():
    rules_only = CombinedClassifier(model=None)
    assert rules_only.score("I know where you live.").score >= threshold()
    assert rules_only.score("This is bloody ridiculous.").score < threshold()


@pytest.mark.parametrize("text", ["", " ", "\x00" * 10, "a" * 200_000, "😡" * 5000])
def test_odd_input_scores_without_error(text):
    result = get_classifier().score(text)
    assert 0.0 <= result.score <= 1.0


def write(desk, ticket, now, body):
    return actions.do_add_customer_message(
        ticket, customer=desk.alice, body=body, channel=Channel.PORTAL, now=now
    )


def test_abusive_message_is_flagged_hidden_and_can_be_unflagged(desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Refund",
        body="Where is my refund?",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    message = write(desk, ticket, now, "You are a useless idiot and you should be fired.")
    score = MessageAbuse.objects.get(message=message)  # scored by the background task
    assert score.flagged and score.score >= threshold()
    assert not MessageAbuse.objects.get(message=ticket.messages.first()).flagged
    client = Client()
    client.force_login(desk.agent)
    page = case_page_html(client, ticket.pk)
    assert f'id="flagged-{message.pk}"' in page and "possibly abusive (score" in page
    response = client.post(f"/escalations/messages/{message.pk}/unflag")
    assert response.status_code == 302
    score.refresh_from_db()
    assert not score.flagged and score.unflagged_by == desk.agent
    assert AuditEvent.objects.filter(verb="message_unflagged").count() == 1
    assert f'id="flagged-{message.pk}"' not in case_page_html(client, ticket.pk)
    # Unflagging twice is refused with a message, not a 500; other people's cases are 404.
    again = client.post(f"/escalations/messages/{message.pk}/unflag", follow=True)
    assert b"not flagged" in again.content
    otto = Client()
    otto.force_login(desk.other_agent)
    assert otto.post(f"/escalations/messages/{message.pk}/unflag").status_code == 404


def test_repeated_flags_mark_the_customer_for_a_lead(desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Refund",
        body="Where is my refund?",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    for text in ["You idiot.", "Shut up and refund me.", "I know where you live."]:
        write(desk, ticket, now, text)
    mark = CustomerAttention.objects.get(customer=desk.alice)
    assert mark.flagged_messages == 3 and mark.needs_review
    lead = Client()
    lead.force_login(desk.lead)
    assert b"Customers marked for attention" in lead.get("/escalations/").content
    assert b"Marked for a lead" in case_page_html(lead, ticket.pk).encode()
