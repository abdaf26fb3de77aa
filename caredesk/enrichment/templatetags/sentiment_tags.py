"""Sentiment on the case page: a small badge per customer message, the current mood in
the case header.

``{% include "enrichment/_sentiment_badge.html" %}`` inside the timeline loop (``m``, the
message) and ``{% include "enrichment/_mood_badge.html" %}`` in the header (``ticket``).
The scores of a case are read once per page and kept on the case object.
"""

from __future__ import annotations

from django import template

from caredesk.enrichment.models import CaseMood, MessageSentiment
from caredesk.enrichment.selectors import mood_of, sentiments_for_ticket
from caredesk.tickets.models import Message, Ticket

register = template.Library()

_CACHE = "_caredesk_sentiments"


@register.simple_tag
def message_sentiment(ticket: Ticket, message: Message) -> MessageSentiment | None:
    scores: dict[int, MessageSentiment] | None = getattr(ticket, _CACHE, None)
    if scores is None:
        scores = sentiments_for_ticket(ticket)
        setattr(ticket, _CACHE, scores)
    return scores.get(message.pk)


@register.simple_tag
def case_mood(ticket: Ticket) -> CaseMood | None:
    return mood_of(ticket.pk)
