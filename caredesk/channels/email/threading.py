"""Finding the case an inbound message belongs to, and who may write on it.

Threading headers and the subject token are hints, never credentials: a hint only counts
when the sender (strictly parsed From address) is a participant of that case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from caredesk.channels.email import conf
from caredesk.channels.email.models import CaseParticipant, EmailLink
from caredesk.channels.email.parsing import ParsedEmail
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets.models import Ticket, parse_reference


@dataclass
class ThreadMatch:
    ticket: Ticket | None
    via: str  # in-reply-to, references, subject, address, or ""
    refused: Ticket | None = None  # a hinted case the sender is not a participant of


def _token_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.CAREDESK_REFERENCE_PREFIX)
    return re.compile(rf"\[\s*({prefix}-\d{{1,12}})\s*\]", re.I)


def subject_references(subject: str) -> list[int]:
    found = []
    for token in _token_pattern().findall(subject or ""):
        pk = parse_reference(token)
        if pk is not None and pk not in found:
            found.append(pk)
    return found


def plus_address_references(recipients: list[str]) -> list[int]:
    local, _, domain = conf.desk_address().partition("@")
    found = []
    for address in recipients:
        rlocal, _, rdomain = address.partition("@")
        if rdomain != domain or "+" not in rlocal:
            continue
        base, _, tag = rlocal.partition("+")
        if base != local:
            continue
        pk = parse_reference(tag)
        if pk is not None and pk not in found:
            found.append(pk)
    return found


def is_participant(ticket: Ticket, address: str) -> bool:
    if ContactIdentity.objects.filter(
        customer_id=ticket.customer_id, kind=ContactIdentity.Kind.EMAIL, value=address
    ).exists():
        return True
    return CaseParticipant.objects.filter(ticket=ticket, address=address).exists()


def _tickets_by_message_ids(ids: list[str]) -> list[Ticket]:
    if not ids:
        return []
    links = (
        EmailLink.objects.filter(rfc_message_id__in=ids)
        .select_related("ticket")
        .order_by("-created_at", "-id")
    )
    order = {mid: i for i, mid in enumerate(ids)}
    ranked = sorted(links, key=lambda link: order.get(link.rfc_message_id, 0))
    tickets: list[Ticket] = []
    for link in ranked:
        if link.ticket not in tickets:
            tickets.append(link.ticket)
    return tickets


def find_case(parsed: ParsedEmail) -> ThreadMatch:
    """In-Reply-To, then References (newest first), then the subject token, then the
    plus-address; the first hinted case whose participant the sender is wins."""
    sender = parsed.from_address
    refused: Ticket | None = None
    candidates: list[tuple[str, list[Ticket]]] = [
        ("in-reply-to", _tickets_by_message_ids(parsed.in_reply_to)),
        ("references", _tickets_by_message_ids(list(reversed(parsed.references)))),
    ]
    by_token = subject_references(parsed.subject)
    by_plus = plus_address_references(parsed.to + parsed.cc)
    token_tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=by_token + by_plus)}
    candidates.append(("subject", [token_tickets[pk] for pk in by_token if pk in token_tickets]))
    candidates.append(("address", [token_tickets[pk] for pk in by_plus if pk in token_tickets]))
    for via, tickets in candidates:
        for ticket in tickets:
            if sender and is_participant(ticket, sender):
                return ThreadMatch(ticket=ticket, via=via)
            refused = refused or ticket
    return ThreadMatch(ticket=None, via="", refused=refused)


def customer_for_address(address: str) -> Customer | None:
    identity = (
        ContactIdentity.objects.select_related("customer")
        .filter(kind=ContactIdentity.Kind.EMAIL, value=address)
        .first()
    )
    return identity.customer if identity else None
