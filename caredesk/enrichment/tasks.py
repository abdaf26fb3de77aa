"""Scoring runs in the background, after the message is committed (house rule 3):
the model reads the text outside any transaction; the result is stored under a lock and
a message already scored is skipped (house rule 7)."""

from __future__ import annotations

from caredesk.core import clock
from caredesk.core.background import task
from caredesk.core.effects import run_each
from caredesk.enrichment import actions, sentiment
from caredesk.enrichment.abuse import get_classifier
from caredesk.enrichment.models import MessageAbuse, MessageSentiment
from caredesk.tickets.models import Message, MessageKind


@task()
def enrich_customer_messages(message_ids: list[int]) -> None:
    """Abuse scoring, then sentiment, of the customer messages written together (one
    intake or batch). Both run even if the other fails; a re-run skips what is stored."""
    failures = []
    for step in (score_customer_messages.call, sentiment_customer_messages.call):
        try:
            step(message_ids)
        except Exception as exc:  # each step logged its failed ids (run_each)
            failures.append(exc)
    if failures:
        raise failures[0]


@task()
def score_customer_message(message_id: int) -> None:
    _score(message_id)


@task()
def score_customer_messages(message_ids: list[int]) -> None:
    """The abuse scores of customer messages written together (rows queued before
    ``enrich_customer_messages`` took over still run here)."""
    run_each(_score, message_ids)


def _score(message_id: int) -> None:
    if MessageAbuse.objects.filter(message_id=message_id).exists():
        return
    body = (
        Message.objects.filter(pk=message_id, kind=MessageKind.CUSTOMER)
        .values_list("body", flat=True)
        .first()
    )
    if body is None:
        return
    result = get_classifier().score(body)
    actions.do_record_abuse_score(message_id, result, now=clock.now())


@task()
def sentiment_customer_messages(message_ids: list[int]) -> None:
    """The sentiment of customer messages written together; run twice, the second run
    finds every message scored and writes nothing (also part of
    ``enrich_customer_messages``)."""
    run_each(score_sentiment, message_ids)


def score_sentiment(message_id: int) -> bool:
    """Score one customer message if it is not scored yet; True if this call stored it."""
    if MessageSentiment.objects.filter(message_id=message_id).exists():
        return False
    body = (
        Message.objects.filter(pk=message_id, kind=MessageKind.CUSTOMER)
        .values_list("body", flat=True)
        .first()
    )
    if body is None:
        return False
    result = sentiment.score(body)
    return actions.do_record_sentiment(message_id, result, now=clock.now()) is not None
