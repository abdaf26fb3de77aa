"""Finding the case an inbound message belongs to, and who may write on it.

Threading headers and the subject token are hints, never credentials: a hint only counts
when the sender (strictly parsed From address) is a participant of that case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from caredesk.channels.email import conf
from caredesk.channels.email.models import CaseParticipant
from caredesk.channels.email.parsing import ParsedEmail
from caredesk.core.models import EmailLink
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets.merge import final_target
from caredesk.tickets.models import Status, Ticket, parse_reference


@dataclass
class ThreadMatch:
    ticket: Ticket | None
    via: str  # in-reply-to, references, subject, address, or ""
    refused: Ticket | None = None  # a hinted case the sender is not a participant of
    # The merged case the hint named (``ticket`` is where its pointer leads: ADR 0025).
    origin: Ticket | None = None


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


def find_case(parsed: ParsedEmail) -> ThreadMatch:
    """In-Reply-To, then References (newest first), then the subject token, then the
    plus-address; the first hinted case whose participant the sender is wins."""
    return find_cases([parsed])[0]


def find_cases(messages: Sequence[ParsedEmail]) -> list[ThreadMatch]:
    """:func:`find_case` for many messages, in four queries whatever their number."""
    hints = [_Hints.of(parsed) for parsed in messages]
    links: dict[str, list[int]] = {}
    wanted_ids = {mid for h in hints for mid in h.message_ids}
    if wanted_ids:
        found = (
            EmailLink.objects.filter(rfc_message_id__in=wanted_ids)
            .order_by("-created_at", "-id")
            .values_list("rfc_message_id", "ticket_id")
        )
        for rfc_id, ticket_id in found:
            links.setdefault(rfc_id, []).append(ticket_id)
    wanted_pks = {pk for h in hints for pk in h.by_token + h.by_plus}
    wanted_pks.update(pk for pks in links.values() for pk in pks)
    by_pk = {t.pk: t for t in Ticket.objects.filter(pk__in=wanted_pks)} if wanted_pks else {}
    candidates = [h.candidates(links, by_pk) for h in hints]
    members = _Participants.of(
        {
            (t, h.sender)
            for h, cands in zip(hints, candidates, strict=True)
            for _, ts in cands
            for t in ts
        }
    )
    results = []
    for h, cands in zip(hints, candidates, strict=True):
        results.append(_follow_merge(_first_match(h.sender, cands, members)))
    return results


def _follow_merge(match: ThreadMatch) -> ThreadMatch:
    """Mail to a merged case's thread lands on the case it was merged into. The sender
    was checked against the merged case (its participants stay there)."""
    hinted = match.ticket
    if hinted is None or hinted.status != Status.MERGED:
        return match
    return ThreadMatch(ticket=final_target(hinted), via=match.via, origin=hinted)


def _first_match(
    sender: str, candidates: list[tuple[str, list[Ticket]]], members: _Participants
) -> ThreadMatch:
    refused: Ticket | None = None
    for via, tickets in candidates:
        for ticket in tickets:
            if sender and members.includes(ticket, sender):
                return ThreadMatch(ticket=ticket, via=via)
            refused = refused or ticket
    return ThreadMatch(ticket=None, via="", refused=refused)


@dataclass
class _Hints:
    sender: str
    in_reply_to: list[str]
    references: list[str]  # newest first
    by_token: list[int]
    by_plus: list[int]

    @classmethod
    def of(cls, parsed: ParsedEmail) -> _Hints:
        return cls(
            sender=parsed.from_address,
            in_reply_to=list(parsed.in_reply_to),
            references=list(reversed(parsed.references)),
            by_token=subject_references(parsed.subject),
            by_plus=plus_address_references(parsed.to + parsed.cc),
        )

    @property
    def message_ids(self) -> list[str]:
        return self.in_reply_to + self.references

    def candidates(
        self, links: dict[str, list[int]], by_pk: dict[int, Ticket]
    ) -> list[tuple[str, list[Ticket]]]:
        return [
            ("in-reply-to", _linked_tickets(self.in_reply_to, links, by_pk)),
            ("references", _linked_tickets(self.references, links, by_pk)),
            ("subject", [by_pk[pk] for pk in self.by_token if pk in by_pk]),
            ("address", [by_pk[pk] for pk in self.by_plus if pk in by_pk]),
        ]


def _linked_tickets(
    ids: list[str], links: dict[str, list[int]], by_pk: dict[int, Ticket]
) -> list[Ticket]:
    """The cases holding these Message-IDs, in the order of ``ids`` (newest link first
    for one id), each once."""
    tickets: list[Ticket] = []
    for mid in ids:
        for ticket_id in links.get(mid, ()):
            ticket = by_pk.get(ticket_id)
            if ticket is not None and all(t.pk != ticket.pk for t in tickets):
                tickets.append(ticket)
    return tickets


@dataclass
class _Participants:
    """Who may write on which case: the case's customer (any of their addresses) and the
    recorded participants (CC'd and earlier senders)."""

    identities: set[tuple[int, str]]  # (customer id, address)
    participants: set[tuple[int, str]]  # (ticket id, address)

    @classmethod
    def of(cls, pairs: set[tuple[Ticket, str]]) -> _Participants:
        pairs = {(t, a) for t, a in pairs if a}
        if not pairs:
            return cls(set(), set())
        addresses = {a for _, a in pairs}
        identities = set(
            ContactIdentity.objects.filter(
                kind=ContactIdentity.Kind.EMAIL,
                value__in=addresses,
                customer_id__in={t.customer_id for t, _ in pairs},
            ).values_list("customer_id", "value")
        )
        participants = set(
            CaseParticipant.objects.filter(
                ticket_id__in={t.pk for t, _ in pairs}, address__in=addresses
            ).values_list("ticket_id", "address")
        )
        return cls(identities, participants)

    def includes(self, ticket: Ticket, address: str) -> bool:
        return (ticket.customer_id, address) in self.identities or (
            ticket.pk,
            address,
        ) in self.participants


def customer_for_address(address: str) -> Customer | None:
    identity = (
        ContactIdentity.objects.select_related("customer")
        .filter(kind=ContactIdentity.Kind.EMAIL, value=address)
        .first()
    )
    return identity.customer if identity else None
