"""Scoring runs in the background, after the message is committed (house rule 3):
the model reads the text outside any transaction; the result is stored under a lock and
a message already scored is skipped (house rule 7)."""

from __future__ import annotations

from django_tasks import task

from caredesk.core import clock
from caredesk.core.effects import run_each
from caredesk.enrichment import actions, sentiment
from caredesk.enrichment.abuse import get_classifier
from caredesk.enrichment.models import MessageAbuse, MessageSentiment
from caredesk.tickets.models import Message, MessageKind


@task()
def score_customer_message(message_id: int) -> None:
    _score(message_id)


@task()
def score_customer_messages(message_ids: list[int]) -> None:
    """The customer messages written together (one intake batch), in one task."""
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
    """The sentiment of customer messages written together, in one task; run twice, the
    second run finds every message scored and writes nothing."""
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
