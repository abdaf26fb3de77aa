"""Signed survey links: a customer can leave feedback on a case without signing in."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from caredesk.tickets.models import Ticket

SALT = "caredesk.feedback.survey"
MAX_AGE_DAYS = 30


def make_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "c": ticket.customer_id}, salt=SALT, compress=True)


def survey_url(ticket: Ticket) -> str:
    return f"{settings.SITE_URL}/feedback/survey/{make_token(ticket)}/"


def read_token(token: str) -> tuple[int, int] | None:
    """(ticket id, customer id) of a valid, unexpired token; None otherwise."""
    if not token or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_DAYS * 86400)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    ticket_id, customer_id = data.get("t"), data.get("c")
    if not isinstance(ticket_id, int) or not isinstance(customer_id, int):
        return None
    return ticket_id, customer_id
