"""Every change to a case goes through one of these functions (house rule 1).

Each runs in one transaction, writes audit events with old and new values, and enqueues
its side effects only after commit. Callers check access first (``access_ticket``);
these functions check what the actor's role allows.

What a case change causes in the apps above (SLA clocks, promises kept, abuse scoring)
is not called from here: each action inserts its audit events once, at its end, and the
events it appends (``case.created``, ``message.added``, ``status.changed``…) run the
reactions wired in ``settings.CAREDESK_EVENT_REACTIONS`` in the same transaction
(docs/adr/0007-cross-app-reactions.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F

from caredesk.accounts.models import Membership, Team, User
from caredesk.core.bulk import update_rows
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.text import clean_body, clean_line, sanitize_html
from caredesk.customers.models import Customer
from caredesk.tickets import audit, mentions, tasks, timespent
from caredesk.tickets.attachments import IncomingFile, check_files, store_files_many
from caredesk.tickets.imported import ImportedCase as ImportedCase
from caredesk.tickets.imported import ImportedMessage as ImportedMessage
from caredesk.tickets.imported import write_cases
from caredesk.tickets.models import (
    OPEN_STATUSES,
    AuditEvent,
    Channel,
    Message,
    MessageKind,
    Priority,
    SearchEntry,
    Status,
    Tag,
    Ticket,
    format_reference,
)
from caredesk.tickets.recipients import parse_recipients

MAX_SUBJECT = 255
MAX_TAGS = 20


def _require_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_agent_staff:
        raise PermissionDenied("Only staff can do this.")


def _refuse_merged(ticket: Ticket) -> None:
    """A merged case is a pointer: nobody writes on it or changes its status."""
    if ticket.status == Status.MERGED:
        into = format_reference(ticket.merged_into_id)
        raise Conflict(f"This case was merged into {into}; write there.", code="case_merged")


@dataclass(frozen=True)
class _Draft:
    """A message to write on a case that is locked (or new) in this transaction."""

    ticket: Ticket
    kind: MessageKind
    body: str
    channel: str
    author_user: User | None = None
    author_customer: Customer | None = None
    body_html: str = ""
    files: Sequence[IncomingFile] = ()
    # Mail to a merged case's thread, filed on its target (tickets.merge; ADR 0025).
    origin: Ticket | None = None
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()


def _create_messages(
    drafts: Sequence[_Draft], now: datetime, *, entries: Sequence[SearchEntry] = ()
) -> list[Message]:
    """Insert the messages, their attachments and search entries (a few statements for
    any number), with ``entries`` (a new case's subject) in the same INSERT. Counters
    on the cases are the caller's job."""
    messages = [
        Message(
            ticket=d.ticket,
            kind=d.kind,
            body=d.body,
            body_html=sanitize_html(d.body_html) if d.body_html else "",
            channel=d.channel,
            author_user=d.author_user,
            author_customer=d.author_customer,
            created_at=now,
            origin_ticket=d.origin,
            cc=list(d.cc),
            bcc=list(d.bcc),
        )
        for d in drafts
    ]
    Message.objects.bulk_create(messages)
    store_files_many([(m, list(d.files)) for m, d in zip(messages, drafts, strict=True) if d.files])
    SearchEntry.objects.bulk_create(
        [
            *entries,
            *(
                SearchEntry(
                    ticket=m.ticket,
                    message=m,
                    public=m.is_public
                    and (d.origin is None or d.origin.customer_id == d.ticket.customer_id),
                    content=m.body,
                )
                for m, d in zip(messages, drafts, strict=True)
                if m.kind != MessageKind.SYSTEM
            ),
        ]
    )
    return messages


def _add_message(
    ticket: Ticket,
    *,
    kind: MessageKind,
    body: str,
    channel: str,
    now: datetime,
    author_user: User | None = None,
    author_customer: Customer | None = None,
    body_html: str = "",
    files: list[IncomingFile] | None = None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
) -> Message:
    draft = _Draft(
        ticket,
        kind,
        body,
        channel,
        author_user,
        author_customer,
        body_html,
        files or (),
        cc=cc,
        bcc=bcc,
    )
    message = _create_messages([draft], now)[0]
    Ticket.objects.filter(pk=ticket.pk).update(message_count=F("message_count") + 1, updated_at=now)
    ticket.message_count += 1
    ticket.updated_at = now
    return message


def _change_status(
    ticket: Ticket, actor: User | None, new: Status, now: datetime
) -> tuple[list[str], AuditEvent | None]:
    """Set ``new`` on the ticket object; returns the fields to save and the audit event
    to insert (none when the status is already ``new``)."""
    old = ticket.status
    if old == new:
        return [], None
    ticket.status = new
    fields = ["status", "updated_at"]
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    if new == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    if old in (Status.RESOLVED, Status.CLOSED) and new in OPEN_STATUSES:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["reopen_count", "resolved_at", "closed_at"]
    ticket.updated_at = now
    verb = "reopened" if old in (Status.RESOLVED, Status.CLOSED) else "status_changed"
    event = audit.event(ticket, actor, verb, now=now, field="status", old=old, new=new, public=True)
    return fields, event


def _set_status(ticket: Ticket, actor: User | None, new: Status, now: datetime) -> list[AuditEvent]:
    """Save a status change on the case; returns its audit event to insert (or none)."""
    fields, event = _change_status(ticket, actor, new, now)
    if event is None:
        return []
    ticket.save(update_fields=fields)
    return [event]


@dataclass(frozen=True)
class NewCase:
    """One case to open (see :func:`do_open_tickets`)."""

    customer: Customer
    subject: str
    body: str
    channel: str
    body_html: str = ""
    priority: str = Priority.NORMAL
    team: Team | None = None
    actor: User | None = None
    files: Sequence[IncomingFile] = ()
    # A reply to this closed case opened the new one (the two are linked both ways).
    follow_up_of: Ticket | None = None
    # Opened by machine mail: caredesk never mails it automatically.
    from_machine: bool = False
    # False when the app opening it tells the customer itself (the generic "we received
    # your request" would quote words the customer never wrote).
    acknowledge: bool = True


def _checked_case(case: NewCase) -> NewCase:
    if case.channel not in Channel.values:
        raise DomainError(f"Unknown channel {case.channel!r}.", code="invalid_channel")
    if case.priority not in Priority.values:
        raise DomainError(f"Unknown priority {case.priority!r}.", code="invalid_priority")
    return replace(
        case,
        subject=clean_line(case.subject, max_chars=MAX_SUBJECT, field="subject"),
        body=clean_body(case.body, max_chars=settings.CAREDESK_MAX_BODY_CHARS),
        files=tuple(check_files(list(case.files))),
    )


def do_open_ticket(
    *,
    customer: Customer,
    subject: str,
    body: str,
    channel: str,
    now: datetime,
    actor: User | None = None,
    body_html: str = "",
    priority: str = Priority.NORMAL,
    team: Team | None = None,
    files: list[IncomingFile] | None = None,
    acknowledge: bool = True,
) -> Ticket:
    """Intake: every channel opens a case here. The first message is the original request."""
    case = NewCase(
        customer,
        subject,
        body,
        channel,
        body_html,
        priority,
        team,
        actor,
        files or (),
        acknowledge=acknowledge,
    )
    return do_open_tickets([case], now=now)[0].ticket


class Opened(NamedTuple):
    ticket: Ticket
    message: Message  # the original request


def do_open_tickets(cases: Sequence[NewCase], *, now: datetime) -> list[Opened]:
    """Open several cases in one transaction, with a few statements for all of them (batch
    intake: email). The same rows, audit events and side effects as one by one. Any
    invalid case refuses the whole call. The events (``case.created`` and the first
    ``message.added`` of each case) go out together, so the apps above react once for
    the batch: the SLA reaction writes the deadlines with one UPDATE after the insert."""
    cases = [_checked_case(case) for case in cases]
    with transaction.atomic():
        tickets = [
            Ticket(
                subject=case.subject,
                status=Status.NEW,
                priority=case.priority,
                channel=case.channel,
                customer=case.customer,
                organization_id=case.customer.organization_id,
                team=case.team,
                original_request=case.body,
                message_count=1,
                created_at=now,
                updated_at=now,
                last_customer_message_at=now,
                follow_up_of=case.follow_up_of,
                from_machine=case.from_machine,
            )
            for case in cases
        ]
        Ticket.objects.bulk_create(tickets)
        messages = _create_messages(
            [
                _Draft(
                    ticket,
                    MessageKind.CUSTOMER,
                    case.body,
                    case.channel,
                    author_user=case.actor
                    if case.actor is not None and case.actor.is_agent_staff
                    else None,
                    author_customer=case.customer,
                    body_html=case.body_html,
                    files=case.files,
                )
                for ticket, case in zip(tickets, cases, strict=True)
            ],
            now,
            entries=[
                SearchEntry(ticket=t, message=None, public=True, content=t.subject) for t in tickets
            ],
        )
        created = [
            audit.event(
                ticket,
                case.actor,
                "created",
                now=now,
                new={
                    "subject": case.subject,
                    "channel": case.channel,
                    "priority": case.priority,
                    "team": case.team.name if case.team else None,
                },
                public=True,
            )
            for ticket, case in zip(tickets, cases, strict=True)
        ]
        audit.insert([*created, *_follow_up_links(tickets, now)], messages=messages)
        for ticket, case in zip(tickets, cases, strict=True):
            if case.acknowledge and ticket.channel in tasks.ACKNOWLEDGED_CHANNELS:
                # Inside the transaction: on the database queue the task is written with
                # the case, so a process killed right after the commit cannot lose it.
                enqueue_after_commit(tasks.acknowledge_new_ticket, ticket.pk)
    return [Opened(t, m) for t, m in zip(tickets, messages, strict=True)]


def _follow_up_links(tickets: Sequence[Ticket], now: datetime) -> list[AuditEvent]:
    """A note on both timelines for each new case that follows up a closed one."""
    rows: list[AuditEvent] = []
    for ticket in tickets:
        original = ticket.follow_up_of
        if original is None:
            continue
        rows.append(
            audit.event(
                ticket,
                None,
                "follow_up_opened",
                now=now,
                field="follow_up_of",
                new={"case": original.reference, "id": original.pk},
                note=f"Follows up on the closed case {original.reference}.",
                public=True,
            )
        )
        rows.append(
            audit.event(
                original,
                None,
                "followed_up",
                now=now,
                field="follow_ups",
                new={"case": ticket.reference, "id": ticket.pk},
                note=f"The customer wrote again after it closed: follow-up {ticket.reference}.",
                public=True,
            )
        )
    return rows


def follow_up_subject(original: Ticket) -> str:
    return f"Follow-up to {original.reference}: {original.subject}"[:MAX_SUBJECT]


def open_follow_ups(original_ids: Iterable[int]) -> dict[int, Ticket]:
    """The newest follow-up still open (not closed) of each of these closed cases, locked:
    a second reply to a closed case goes there instead of opening yet another case."""
    found: dict[int, Ticket] = {}
    rows = (
        Ticket.objects.select_for_update()
        .filter(follow_up_of_id__in=list(original_ids))
        .exclude(status=Status.CLOSED)
        .order_by("-created_at", "-id")
    )
    for row in rows:
        if row.follow_up_of_id is not None:
            found.setdefault(row.follow_up_of_id, row)
    return found


def do_write_after_close(
    original: Ticket,
    *,
    customer: Customer,
    body: str,
    channel: str,
    now: datetime,
    actor: User | None = None,
    body_html: str = "",
    files: list[IncomingFile] | None = None,
) -> Ticket:
    """The customer writes on a closed case: on its follow-up if one is still open, else
    on a new case linked to it (``follow_up_of``), with a note on both timelines. Same
    team and priority; the acknowledgement names the original. Returns the case written on."""
    with transaction.atomic():
        existing = open_follow_ups([original.pk]).get(original.pk)
        if existing is not None:
            do_add_customer_message(
                existing,
                customer=customer,
                body=body,
                channel=channel,
                now=now,
                actor=actor,
                body_html=body_html,
                files=files,
            )
            return existing
        case = NewCase(
            customer,
            follow_up_subject(original),
            body,
            channel,
            body_html,
            original.priority,
            original.team,
            actor,
            tuple(files or ()),
            follow_up_of=original,
            from_machine=original.from_machine,
        )
        return do_open_tickets([case], now=now)[0].ticket


@dataclass(frozen=True)
class CustomerWrite:
    """A customer message on an existing case (see :func:`do_add_customer_messages`)."""

    ticket: Ticket
    customer: Customer
    body: str
    channel: str
    body_html: str = ""
    actor: User | None = None
    files: Sequence[IncomingFile] = ()
    # Machine mail (an out-of-office, an auto-reply): filed, but it does not reopen a
    # resolved case — nobody said the problem is back.
    machine: bool = False
    # Mail to the thread of this merged case, filed on its target (ADR 0025).
    origin: Ticket | None = None


def do_add_customer_message(
    ticket: Ticket,
    *,
    customer: Customer,
    body: str,
    channel: str,
    now: datetime,
    actor: User | None = None,
    body_html: str = "",
    files: list[IncomingFile] | None = None,
) -> Message:
    """A customer writes on their case. A resolved case reopens (unless the write is
    machine mail); a closed one refuses."""
    write = CustomerWrite(ticket, customer, body, channel, body_html, actor, files or ())
    return do_add_customer_messages([write], now=now)[0]


# What a customer message on a case may change on its row (saved in one statement for
# the batch; the SLA reaction then writes the deadlines it derives).
_CUSTOMER_MESSAGE_FIELDS = (
    "message_count",
    "updated_at",
    "last_customer_message_at",
    "status",
    "reopen_count",
    "resolved_at",
    "closed_at",
)


def do_add_customer_messages(writes: Sequence[CustomerWrite], *, now: datetime) -> list[Message]:
    """Customer messages on several cases (one each) in one transaction: the cases are
    locked together, and a closed case refuses the whole call with :class:`Conflict`."""
    body_limit = settings.CAREDESK_MAX_BODY_CHARS
    writes = [
        replace(
            w,
            body=clean_body(w.body, max_chars=body_limit),
            files=tuple(check_files(list(w.files))),
        )
        for w in writes
    ]
    ids = [w.ticket.pk for w in writes]
    if len(set(ids)) != len(ids):
        raise ValueError("one customer message per case per call")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().in_bulk(ids)
        tickets = []
        for pk in ids:
            if pk not in locked:
                raise Ticket.DoesNotExist(f"case {pk} does not exist")
            ticket = locked[pk]
            if ticket.status == Status.CLOSED:
                raise Conflict(
                    f"This case is closed. Please open a new case and mention {ticket.reference}.",
                    code="case_closed",
                )
            _refuse_merged(ticket)
            tickets.append(ticket)
        messages = _create_messages(
            [
                _Draft(
                    ticket,
                    MessageKind.CUSTOMER,
                    w.body,
                    w.channel,
                    author_customer=w.customer,
                    body_html=w.body_html,
                    files=w.files,
                    origin=w.origin,
                )
                for ticket, w in zip(tickets, writes, strict=True)
            ],
            now,
        )
        events = []
        for ticket, w in zip(tickets, writes, strict=True):
            ticket.message_count += 1
            ticket.updated_at = now
            ticket.last_customer_message_at = now
            if w.machine and ticket.status == Status.RESOLVED:
                continue  # the message is on the case; the case stays resolved
            if ticket.status in (Status.RESOLVED, Status.WAITING_CUSTOMER, Status.OPEN):
                _fields, event = _change_status(ticket, w.actor, Status.WAITING_US, now)
                if event is not None:
                    events.append(event)
        update_rows(tickets, _CUSTOMER_MESSAGE_FIELDS)
        machine = {m.pk for m, w in zip(messages, writes, strict=True) if w.machine}
        audit.insert(events, messages=messages, machine=machine)
    for ticket, message in zip(tickets, messages, strict=True):
        if ticket.assignee_id is not None:
            enqueue_after_commit(tasks.notify_assignee_of_customer_message, message.pk)
    return messages


def do_reply(
    ticket: Ticket,
    *,
    agent: User,
    body: str,
    now: datetime,
    status_after: str = Status.WAITING_CUSTOMER,
    files: list[IncomingFile] | None = None,
    cc: str | Sequence[str] | None = None,
    bcc: str | Sequence[str] | None = None,
    minutes: object = None,
) -> Message:
    """A public reply to the customer. Sets the status the agent chose (default: waiting).

    ``cc`` and ``bcc`` (at most 20 addresses each, ``tickets.recipients``) get the mail
    too: Cc in its header, Bcc on the envelope only. Cc'd addresses become email
    participants of the case (the email channel's reaction), Bcc'd ones do not.
    ``minutes``: time spent, recorded as the agent's time entry on the case."""
    _require_staff(agent)
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="reply")
    if status_after not in Status.values or status_after == Status.MERGED:
        raise DomainError(f"Unknown status {status_after!r}.", code="invalid_status")
    cc_list = parse_recipients(cc, field="cc")
    bcc_list = [a for a in parse_recipients(bcc, field="bcc") if a not in cc_list]
    spent = timespent.check_minutes(minutes)
    files = check_files(files or [])
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _refuse_merged(ticket)
        if cc_list or bcc_list:  # the customer is the mail's To already
            customer_address = (ticket.customer.primary_email or "").lower()
            cc_list = [a for a in cc_list if a != customer_address]
            bcc_list = [a for a in bcc_list if a != customer_address]
        message = _add_message(
            ticket,
            kind=MessageKind.REPLY,
            body=body,
            channel=Channel.AGENT,
            now=now,
            author_user=agent,
            files=files,
            cc=cc_list,
            bcc=bcc_list,
        )
        if spent is not None:
            timespent.entry(ticket, message, agent, spent, now)
        changes = (
            _assign(ticket, agent, agent, ticket.team, "", now) if not ticket.assignee_id else []
        )
        # The first response and the new status in one UPDATE of the case row.
        fields, status_event = _change_status(ticket, agent, Status(status_after), now)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields = [*fields, "first_response_at"]
        if fields:
            ticket.save(update_fields=fields)
        if status_event is not None:
            changes.append(status_event)
        replied: dict[str, object] = {
            "message": message.pk,
            "kind": MessageKind.REPLY,
            "channel": Channel.AGENT,
        }
        if cc_list:
            replied["cc"] = cc_list  # the email channel makes them participants
        if bcc_list:
            replied["bcc_count"] = len(bcc_list)  # the addresses stay on the message (staff)
        if spent is not None:
            replied["minutes"] = spent
        changes.append(audit.event(ticket, agent, "replied", now=now, new=replied, public=True))
        audit.insert(changes)
    enqueue_after_commit(tasks.send_reply_to_customer, message.pk)
    return message


def do_post_system_reply(ticket: Ticket, *, body: str, now: datetime) -> Message:
    """A public reply that caredesk itself writes to the customer (the honest update when
    a promise slips). The caller audits why and sends it after commit."""
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="update")
    with transaction.atomic():
        return _add_message(
            ticket, kind=MessageKind.REPLY, body=body, channel=Channel.AGENT, now=now
        )


def do_add_note(
    ticket: Ticket,
    *,
    agent: User,
    body: str,
    now: datetime,
    files: list[IncomingFile] | None = None,
    minutes: object = None,
) -> Message:
    """An internal note: staff only, never shown to the customer. Staff it @mentions
    are notified (``tickets.mentions``). ``minutes``: time spent (a time entry)."""
    _require_staff(agent)
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="note")
    spent = timespent.check_minutes(minutes)
    files = check_files(files or [])
    with transaction.atomic():
        message = _add_message(
            ticket,
            kind=MessageKind.NOTE,
            body=body,
            channel=Channel.AGENT,
            now=now,
            author_user=agent,
            files=files,
        )
        if spent is not None:
            timespent.entry(ticket, message, agent, spent, now)
        noted: dict[str, object] = {"message": message.pk}
        if spent is not None:
            noted["minutes"] = spent
        audit.record(ticket, agent, "noted", now=now, new=noted)
        mentions.notify_mentions(ticket, message, agent, now)
    return message


def _assign(
    ticket: Ticket,
    actor: User | None,
    assignee: User | None,
    team: Team | None,
    handoff_note: str,
    now: datetime,
) -> list[AuditEvent]:
    """Save the new owner on the case; returns the audit event to insert (or none)."""
    old = {
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "team": ticket.team.name if ticket.team else None,
    }
    new = {
        "assignee": assignee.display_name if assignee else None,
        "team": team.name if team else None,
    }
    if old == new:
        return []
    ticket.assignee = assignee
    ticket.team = team
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    return [
        audit.event(
            ticket,
            actor,
            "assigned",
            now=now,
            field="assignee",
            old=old,
            new=new,
            note=handoff_note,
        )
    ]


def do_assign(
    ticket: Ticket,
    *,
    actor: User | None,
    assignee: User | None,
    team: Team | None,
    now: datetime,
    handoff_note: str = "",
) -> Ticket:
    """Hand a case to a person and/or team. The handoff note and the customer's original
    words travel to the new owner."""
    _require_staff(actor)
    if assignee is not None:
        if not assignee.is_agent_staff:
            raise DomainError(
                "Cases can only be assigned to active staff.", code="invalid_assignee"
            )
        if team is not None and not Membership.objects.filter(team=team, user=assignee).exists():
            raise DomainError(
                f"{assignee.display_name} is not a member of {team.name}.", code="not_in_team"
            )
    note = handoff_note.strip()
    if len(note) > 5000:
        raise DomainError("The handoff note is too long (limit 5,000 characters).", code="too_long")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        previous = ticket.assignee_id
        changes = _assign(ticket, actor, assignee, team, note, now)
        if note:
            _add_message(
                ticket,
                kind=MessageKind.NOTE,
                body=f"Handoff note: {note}",
                channel=Channel.AGENT,
                now=now,
                author_user=actor,
            )
        if ticket.status == Status.NEW and assignee is not None:
            changes += _set_status(ticket, actor, Status.OPEN, now)
        audit.insert(changes)
    if (
        assignee is not None
        and assignee.pk != previous
        and (actor is None or assignee.pk != actor.pk)
    ):
        enqueue_after_commit(tasks.notify_new_assignee, ticket.pk, assignee.pk, note)
    return ticket


def do_change_status(ticket: Ticket, *, actor: User | None, status: str, now: datetime) -> Ticket:
    """Staff may set any status. Customers may only reopen a resolved case (and resolve it).
    ``actor`` None is caredesk itself (the customer's answer to "Is this solved?" through a
    signed link, or no answer in time: ``caredesk.resolutions``)."""
    if status not in Status.values:
        raise DomainError(f"Unknown status {status!r}.", code="invalid_status")
    if status == Status.MERGED:
        raise DomainError("Merge the case into another instead.", code="invalid_status")
    if actor is not None and actor.is_customer:
        allowed = {
            (Status.RESOLVED, Status.WAITING_US),  # reopen
        } | {(s, Status.RESOLVED) for s in OPEN_STATUSES}
        if (ticket.status, status) not in allowed:
            raise PermissionDenied("You can only reopen a resolved case or mark yours resolved.")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _refuse_merged(ticket)
        audit.insert(_set_status(ticket, actor, Status(status), now))
    return ticket


def do_change_priority(
    ticket: Ticket, *, actor: User | None, priority: str, now: datetime
) -> Ticket:
    """``actor`` None is caredesk itself (an automation, audited under its name)."""
    _require_staff(actor)
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", code="invalid_priority")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = ticket.priority
        if old != priority:
            ticket.priority = priority
            ticket.updated_at = now
            ticket.save(update_fields=["priority", "updated_at"])
            audit.record(
                ticket, actor, "priority_changed", now=now, field="priority", old=old, new=priority
            )
    return ticket


def normalize_tags(names: Iterable[str]) -> list[str]:
    result: list[str] = []
    for raw in names:
        name = "-".join(raw.strip().lower().split())[:50]
        if name and name not in result:
            result.append(name)
    if len(result) > MAX_TAGS:
        raise DomainError(f"At most {MAX_TAGS} tags per case.", code="too_many_tags")
    return result


def do_set_tags(
    ticket: Ticket, *, actor: User | None, names: Iterable[str], now: datetime
) -> Ticket:
    """Replace the case's tags with ``names`` (the tag editor: the whole list)."""
    _require_staff(actor)
    wanted = normalize_tags(names)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        return _save_tags(ticket, actor, wanted, now)


def do_change_tags(
    ticket: Ticket,
    *,
    actor: User | None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    now: datetime,
) -> tuple[Ticket, bool]:
    """Add and remove tags, reading the case's tags under its row lock, so two changes at
    once (a bulk action and an agent, two macros) never drop each other's tags. Returns
    the case and whether its tags changed. ``actor`` None is caredesk itself (an
    automation)."""
    _require_staff(actor)
    adding = normalize_tags(add)
    removing = set(normalize_tags(remove))
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        current = list(ticket.tags.values_list("name", flat=True))
        wanted = [t for t in current if t not in removing]
        wanted += [t for t in adding if t not in wanted and t not in removing]
        if sorted(wanted) == sorted(current):
            return ticket, False
        return _save_tags(ticket, actor, normalize_tags(wanted), now), True


def _save_tags(ticket: Ticket, actor: User | None, wanted: list[str], now: datetime) -> Ticket:
    """The tag change itself, on a case locked by the caller; audited when it changed."""
    old = sorted(ticket.tags.values_list("name", flat=True))
    if old == sorted(wanted):
        return ticket
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    ticket.tags.set(tags)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    audit.record(ticket, actor, "tags_changed", now=now, field="tags", old=old, new=sorted(wanted))
    return ticket


# --- import from another desk (ADR 0037) -----------------------------------------------


def _checked_import(case: ImportedCase) -> ImportedCase:
    """The case as it will be written, or :class:`DomainError` (the same checks as the
    actions that would have written it one message at a time)."""
    if case.priority not in Priority.values:
        raise DomainError(f"Unknown priority {case.priority!r}.", code="invalid_priority")
    if case.status and case.status not in Status.values:
        raise DomainError(f"Unknown status {case.status!r}.", code="invalid_status")
    if case.status == Status.MERGED:
        raise DomainError("Merge the case into another instead.", code="invalid_status")
    if not case.messages or case.messages[0].kind != MessageKind.CUSTOMER:
        raise DomainError("A case starts with the customer's request.", code="invalid_case")
    if case.assignee is not None and not case.assignee.is_agent_staff:
        raise DomainError("Cases can only be assigned to active staff.", code="invalid_assignee")
    limit = settings.CAREDESK_MAX_BODY_CHARS
    messages = []
    for m in case.messages:
        if m.kind == MessageKind.SYSTEM:
            raise DomainError("An import brings no system entries.", code="invalid_case")
        author = m.author_user
        if m.kind != MessageKind.CUSTOMER and (author is None or not author.is_agent_staff):
            raise PermissionDenied("Only staff can do this.")
        field = {MessageKind.REPLY: "reply", MessageKind.NOTE: "note"}.get(m.kind, "message")
        messages.append(
            replace(
                m,
                body=clean_body(m.body, max_chars=limit, field=field),
                files=tuple(check_files(list(m.files))),
            )
        )
    return replace(
        case,
        subject=clean_line(case.subject, max_chars=MAX_SUBJECT, field="subject"),
        tags=normalize_tags(case.tags),
        messages=messages,
    )


def do_import_cases(cases: Sequence[ImportedCase], *, actor: User, now: datetime) -> list[Ticket]:
    """Bring in cases from another desk, with their whole history, in one transaction and
    a fixed number of statements for the batch (``caredesk import``; ADR 0037). Any
    invalid case refuses the whole call (the importer then retries the batch case by
    case, so only the bad one is reported).

    The rows are those the case actions would have written (the case with its final
    status and timestamps, the messages at the source's times with their kinds and
    visibility, attachments, search entries, tags), but not a made-up history: each
    case gets **one** audit event, ``imported``, at ``now``, naming the source and its
    id. Its ``case.imported`` event is the only one appended, so only the reactions
    wired for it run (the SLA deadlines of open cases, the skipped survey of closed
    ones): no acknowledgement, no mail, no automation, no webhook (settings)."""
    _require_staff(actor)
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff can do this.")
    checked = [_checked_import(case) for case in cases]
    with transaction.atomic():
        tickets = write_cases(checked)
        audit.insert(
            audit.event(
                ticket,
                actor,
                "imported",
                now=now,
                new={
                    "source": case.source,
                    "source_id": case.source_id,
                    "messages": len(case.messages),
                    "status": ticket.status,
                    **({"fields": dict(case.fields)} if case.fields else {}),
                },
                note=f"Imported from {case.source} ({case.source_id}).",
            )
            for ticket, case in zip(tickets, checked, strict=True)
        )
    return tickets
