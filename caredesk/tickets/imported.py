"""The rows of cases brought in from another desk, written in bulk (ADR 0037).

:func:`caredesk.tickets.actions.do_import_cases` checks the cases and calls
:func:`write_cases` inside its transaction. What the case would look like had each
message gone through the case actions one by one (the status a customer message or a
reply leaves, the first response, who a first reply assigns) is worked out here from the
messages in order (:func:`derive`), then every case of a batch is written with a few
statements: the cases, their messages, attachments, search entries and tags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caredesk.accounts.models import Team, User
from caredesk.customers.models import Customer
from caredesk.tickets.attachments import IncomingFile, store_files_many
from caredesk.tickets.models import (
    Channel,
    Message,
    MessageKind,
    Priority,
    SearchEntry,
    Status,
    Tag,
    Ticket,
)


@dataclass(frozen=True)
class ImportedMessage:
    """One message of an imported case, at the source's time. ``CUSTOMER`` messages are
    the requester's (``author_customer``), ``REPLY`` and ``NOTE`` a staff member's."""

    kind: MessageKind
    body: str
    at: datetime
    author_user: User | None = None
    author_customer: Customer | None = None
    files: Sequence[IncomingFile] = ()


@dataclass(frozen=True)
class ImportedCase:
    """One case from another desk (see :func:`caredesk.tickets.actions.do_import_cases`).

    ``messages`` in order, the first the original request. ``team`` and ``assignee``: the
    owner the source gave (both None: the first staff member to reply, as a reply to an
    unassigned case assigns it). ``status``: the source's final status, or "" for the one
    the messages leave. ``tags`` normalised (``normalize_tags``). ``source`` and
    ``source_id`` name the record in the case's one audit event; ``fields`` (the custom
    field values kept, as JSON) are listed there too."""

    source: str
    source_id: str
    customer: Customer
    subject: str
    created_at: datetime
    messages: Sequence[ImportedMessage]
    priority: str = Priority.NORMAL
    status: str = ""
    team: Team | None = None
    assignee: User | None = None
    tags: Sequence[str] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)


def derive(case: ImportedCase) -> Ticket:
    """The unsaved case row as the case actions would have left it after its messages, the
    assignment and the final status (tickets.actions: a customer message sets an open,
    waiting or resolved case to waiting-on-us; a reply sets waiting-on-customer, the first
    response and, on an unassigned case, its assignee; an assignment opens a new case)."""
    status = Status.NEW
    first_response: datetime | None = None
    replier: User | None = None
    last_customer = case.created_at
    last = case.created_at
    for n, m in enumerate(case.messages):
        at = case.created_at if n == 0 else m.at
        if n:
            last = at
        if m.kind == MessageKind.CUSTOMER:
            last_customer = at
            if n and status in (Status.RESOLVED, Status.WAITING_CUSTOMER, Status.OPEN):
                status = Status.WAITING_US
        elif m.kind == MessageKind.REPLY:
            status = Status.WAITING_CUSTOMER
            first_response = first_response or at
            replier = replier or m.author_user
    team, assignee = case.team, case.assignee
    if team is None and assignee is None:
        assignee = replier
    elif assignee is not None and status == Status.NEW:
        status = Status.OPEN
    final = Status(case.status) if case.status else status
    return Ticket(
        subject=case.subject,
        status=final,
        priority=case.priority,
        channel=Channel.EMAIL,
        customer=case.customer,
        organization_id=case.customer.organization_id,
        team=team,
        assignee=assignee,
        original_request=case.messages[0].body,
        message_count=len(case.messages),
        created_at=case.created_at,
        updated_at=last,
        last_customer_message_at=last_customer,
        first_response_at=first_response,
        resolved_at=last if final == Status.RESOLVED else None,
        closed_at=last if final == Status.CLOSED else None,
    )


def write_cases(cases: Sequence[ImportedCase]) -> list[Ticket]:
    """Insert the checked cases with their messages, attachments, search entries and tags
    (a fixed number of statements for any number of cases). Inside the caller's
    transaction; audit events are the caller's."""
    tickets = [derive(case) for case in cases]
    Ticket.objects.bulk_create(tickets)
    pairs = [
        (
            Message(
                ticket=ticket,
                kind=m.kind,
                body=m.body,
                channel=Channel.EMAIL if m.kind == MessageKind.CUSTOMER else Channel.AGENT,
                author_user=m.author_user,
                author_customer=m.author_customer,
                created_at=case.created_at if n == 0 else m.at,
            ),
            m,
        )
        for ticket, case in zip(tickets, cases, strict=True)
        for n, m in enumerate(case.messages)
    ]
    Message.objects.bulk_create([message for message, _ in pairs])
    store_files_many([(message, list(m.files)) for message, m in pairs if m.files])
    SearchEntry.objects.bulk_create(
        [
            *(SearchEntry(ticket=t, message=None, public=True, content=t.subject) for t in tickets),
            *(
                SearchEntry(ticket=m.ticket, message=m, public=m.is_public, content=m.body)
                for m, _ in pairs
            ),
        ]
    )
    _write_tags(tickets, cases)
    return tickets


def _write_tags(tickets: Sequence[Ticket], cases: Sequence[ImportedCase]) -> None:
    names = sorted({name for case in cases for name in case.tags})
    if not names:
        return
    known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [Tag(name=name) for name in names if name not in known]
    if missing:
        # A tag someone else created meanwhile is simply there: read them all again.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Ticket.tags.through
    through.objects.bulk_create(
        [
            through(ticket_id=ticket.pk, tag_id=known[name])
            for ticket, case in zip(tickets, cases, strict=True)
            for name in case.tags
        ]
    )
