"""The ``offers`` context hook of customer mail (``settings.CAREDESK_MAIL_CONTEXT_HOOKS``).

The outbox calls it while it renders a mail that may carry an offer (today the reply
mail: the one that goes out when an agent answers and resolves a case). It fills
``offers`` only when :func:`caredesk.offers.lock.offers_unlocked` says so, with at most
one eligible offer that was never made to this customer before, and records it as made
(surface *mail*) in the transaction that queues the mail. Locked, nothing: the mail is
the same as without offers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from caredesk.core.errors import DomainError
from caredesk.offers import actions
from caredesk.offers.models import Surface
from caredesk.offers.selectors import offers_for
from caredesk.tickets.models import Ticket


def offers_context(
    name: str, to: str, context: Mapping[str, object], *, now: datetime
) -> dict[str, Any]:
    ticket = context.get("ticket")
    if not isinstance(ticket, Ticket):
        return {}
    customer = ticket.customer
    view = offers_for(customer, now)  # offers_unlocked() first: locked, nothing
    if not view.unlocked:
        return {}
    for offer in view.available:
        try:
            actions.do_make_offer(
                offer, customer, actor=None, surface=Surface.MAIL, now=now, ticket=ticket
            )
        except DomainError:
            continue  # made meanwhile by someone else, or no longer eligible
        return {"offers": [offer]}
    return {}
