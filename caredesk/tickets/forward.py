"""Forward a case by mail: a readable transcript to up to 20 addresses (docs/replies.md,
"Forward a case").

Public messages only, unless the agent ticks internal notes (the form warns: notes were
written for staff); never a message a merge brought from another customer's case. One
mail per address through the outbox (each delivered and retried on its own; the
recipients do not see each other), written in the action's transaction with its audit
event, so the mail goes out after commit or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q

from caredesk.accounts.models import User
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.tickets import audit
from caredesk.tickets.access import customer_messages
from caredesk.tickets.models import Message, MessageKind, Status, Ticket, format_reference
from caredesk.tickets.recipients import parse_recipients

MAIL = "case_forward"
MAX_NOTE = 5000
MAX_MESSAGES = 200  # the newest; the mail says how many earlier ones were left out


class Forwarded(NamedTuple):
    to: list[str]
    messages: int
    internal_notes: bool
    mails: list[OutboundEmail]


def _transcript(ticket: Ticket, include: str, internal_notes: bool) -> tuple[list[Message], int]:
    """The messages to forward, oldest first, and how many earlier ones were left out."""
    wanted = Q(pk__in=customer_messages(ticket).values("pk"))
    if internal_notes:
        wanted |= Q(kind=MessageKind.NOTE)
    rows = Message.objects.filter(ticket_id=ticket.pk).filter(wanted)
    total = rows.count()
    limit = 1 if include == "last" else MAX_MESSAGES
    newest = list(
        rows.select_related("author_user", "author_customer").order_by("-created_at", "-id")[:limit]
    )
    newest.reverse()
    return newest, (total - len(newest) if include == "all" else 0)


def do_forward_case(
    ticket: Ticket,
    *,
    actor: User,
    to: str | Sequence[str],
    now: datetime,
    note: str = "",
    include: str = "all",
    internal_notes: bool = False,
) -> Forwarded:
    """Mail ``ticket``'s transcript (``include``: ``all`` messages or the ``last`` one) to
    ``to`` (1-20 addresses), with the agent's ``note`` on top. Staff only; audited on
    the case (``forwarded``, a timeline entry for staff)."""
    if actor is None or not actor.is_agent_staff:
        raise PermissionDenied("Only staff can forward a case.")
    if include not in ("all", "last"):
        raise DomainError("Choose all messages or the last one.", code="invalid_include")
    addresses = parse_recipients(to, field="to")
    if not addresses:
        raise DomainError("Give at least one address to forward the case to.", code="empty")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(
            f"The note is too long ({len(note)} characters; the limit is {MAX_NOTE}).",
            code="too_long",
        )
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=ticket.pk)
        )
        if ticket.status == Status.MERGED:
            into = format_reference(ticket.merged_into_id)
            raise DomainError(
                f"This case was merged into {into}; forward that one.", code="case_merged"
            )
        messages, left_out = _transcript(ticket, include, internal_notes)
        if not messages:
            raise DomainError("There is no message to forward yet.", code="nothing_to_forward")
        context = {
            "ticket": ticket,
            "messages": messages,
            "left_out": left_out,
            "note": note,
            "sender": actor,
            "internal_notes": internal_notes,
        }
        mails = [
            row
            for address in addresses
            if (
                row := send_mail(
                    MAIL,
                    address,
                    context,
                    now=now,
                    kind=OutboundEmail.Kind.FORWARD,
                    auto=False,
                    case_id=ticket.pk,
                )
            )
            is not None
        ]
        audit.record(
            ticket,
            actor,
            "forwarded",
            now=now,
            field="forward",
            new={
                "to": addresses,
                "include": include,
                "messages": len(messages),
                "internal_notes": internal_notes,
            },
            note=note,
        )
    return Forwarded(addresses, len(messages), internal_notes, mails)
