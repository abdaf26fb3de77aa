"""Every change to a case goes through one of these functions (house rule 1).

Each runs in one transaction, writes audit events with old and new values, and enqueues
its side effects only after commit. Callers check access first (``access_ticket``);
these functions check what the actor's role allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F

from caredesk.accounts.models import Membership, Team, User
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.text import clean_body, clean_line, sanitize_html
from caredesk.customers.models import Customer
from caredesk.promises import engine as promise_engine
from caredesk.sla import engine as sla_engine
from caredesk.tickets import audit, tasks
from caredesk.tickets.attachments import IncomingFile, check_files, store_files
from caredesk.tickets.models import (
    OPEN_STATUSES,
    Channel,
    Message,
    MessageKind,
    Priority,
    SearchEntry,
    Status,
    Tag,
    Ticket,
)

MAX_SUBJECT = 255
MAX_TAGS = 20


def _require_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_agent_staff:
        raise PermissionDenied("Only staff can do this.")


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
) -> Message:
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        body=body,
        body_html=sanitize_html(body_html) if body_html else "",
        channel=channel,
        author_user=author_user,
        author_customer=author_customer,
        created_at=now,
    )
    if files:
        store_files(message, files)
    if kind != MessageKind.SYSTEM:
        SearchEntry.objects.create(
            ticket=ticket, message=message, public=message.is_public, content=body
        )
    if kind == MessageKind.CUSTOMER:
        from caredesk.enrichment.tasks import score_customer_message  # abuse scoring (P10)

        enqueue_after_commit(score_customer_message, message.pk)
    Ticket.objects.filter(pk=ticket.pk).update(message_count=F("message_count") + 1, updated_at=now)
    ticket.message_count += 1
    ticket.updated_at = now
    return message


def _set_status(ticket: Ticket, actor: User | None, new: Status, now: datetime) -> None:
    old = ticket.status
    if old == new:
        return
    ticket.status = new
    fields = ["status", "updated_at"]
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
        promise_engine.on_resolved(ticket, actor, now)
    if new == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    if old in (Status.RESOLVED, Status.CLOSED) and new in OPEN_STATUSES:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["reopen_count", "resolved_at", "closed_at"]
    ticket.updated_at = now
    ticket.save(update_fields=fields)
    verb = "reopened" if old in (Status.RESOLVED, Status.CLOSED) else "status_changed"
    audit.record(ticket, actor, verb, now=now, field="status", old=old, new=new, public=True)


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
) -> Ticket:
    """Intake: every channel opens a case here. The first message is the original request."""
    subject = clean_line(subject, max_chars=MAX_SUBJECT, field="subject")
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS)
    if channel not in Channel.values:
        raise DomainError(f"Unknown channel {channel!r}.", code="invalid_channel")
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", code="invalid_priority")
    files = check_files(files or [])
    with transaction.atomic():
        ticket = Ticket.objects.create(
            subject=subject,
            status=Status.NEW,
            priority=priority,
            channel=channel,
            customer=customer,
            organization_id=customer.organization_id,
            team=team,
            original_request=body,
            created_at=now,
            updated_at=now,
            last_customer_message_at=now,
        )
        SearchEntry.objects.create(ticket=ticket, message=None, public=True, content=subject)
        _add_message(
            ticket,
            kind=MessageKind.CUSTOMER,
            body=body,
            body_html=body_html,
            channel=channel,
            now=now,
            author_customer=customer,
            author_user=actor if actor is not None and actor.is_agent_staff else None,
            files=files,
        )
        audit.record(
            ticket,
            actor,
            "created",
            now=now,
            new={
                "subject": subject,
                "channel": channel,
                "priority": priority,
                "team": team.name if team else None,
            },
            public=True,
        )
        sla_engine.apply(ticket, now, "opened")
    enqueue_after_commit(tasks.acknowledge_new_ticket, ticket.pk)
    return ticket


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
    """A customer writes on their case. A resolved case reopens; a closed one refuses."""
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS)
    files = check_files(files or [])
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status == Status.CLOSED:
            raise Conflict(
                f"This case is closed. Please open a new case and mention {ticket.reference}.",
                code="case_closed",
            )
        message = _add_message(
            ticket,
            kind=MessageKind.CUSTOMER,
            body=body,
            body_html=body_html,
            channel=channel,
            now=now,
            author_customer=customer,
            files=files,
        )
        ticket.last_customer_message_at = now
        ticket.save(update_fields=["last_customer_message_at"])
        if ticket.status in (Status.RESOLVED, Status.WAITING_CUSTOMER, Status.OPEN):
            _set_status(ticket, actor, Status.WAITING_US, now)
        sla_engine.apply(ticket, now, "customer_message")
    enqueue_after_commit(tasks.notify_assignee_of_customer_message, message.pk)
    return message


def do_reply(
    ticket: Ticket,
    *,
    agent: User,
    body: str,
    now: datetime,
    status_after: str = Status.WAITING_CUSTOMER,
    files: list[IncomingFile] | None = None,
) -> Message:
    """A public reply to the customer. Sets the status the agent chose (default: waiting)."""
    _require_staff(agent)
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="reply")
    if status_after not in Status.values:
        raise DomainError(f"Unknown status {status_after!r}.", code="invalid_status")
    files = check_files(files or [])
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = _add_message(
            ticket,
            kind=MessageKind.REPLY,
            body=body,
            channel=Channel.AGENT,
            now=now,
            author_user=agent,
            files=files,
        )
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            ticket.save(update_fields=["first_response_at"])
        if ticket.assignee_id is None:
            _assign(ticket, agent, agent, ticket.team, "", now)
        _set_status(ticket, agent, Status(status_after), now)
        audit.record(ticket, agent, "replied", now=now, new={"message": message.pk}, public=True)
        promise_engine.on_reply(ticket, message, now)
        sla_engine.apply(ticket, now, "reply")
    enqueue_after_commit(tasks.send_reply_to_customer, message.pk)
    return message


def do_add_note(
    ticket: Ticket,
    *,
    agent: User,
    body: str,
    now: datetime,
    files: list[IncomingFile] | None = None,
) -> Message:
    """An internal note: staff only, never shown to the customer."""
    _require_staff(agent)
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="note")
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
        audit.record(ticket, agent, "noted", now=now, new={"message": message.pk})
    return message


def _assign(
    ticket: Ticket,
    actor: User | None,
    assignee: User | None,
    team: Team | None,
    handoff_note: str,
    now: datetime,
) -> None:
    old = {
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "team": ticket.team.name if ticket.team else None,
    }
    new = {
        "assignee": assignee.display_name if assignee else None,
        "team": team.name if team else None,
    }
    if old == new:
        return
    ticket.assignee = assignee
    ticket.team = team
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    audit.record(
        ticket, actor, "assigned", now=now, field="assignee", old=old, new=new, note=handoff_note
    )


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
        _assign(ticket, actor, assignee, team, note, now)
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
            _set_status(ticket, actor, Status.OPEN, now)
        sla_engine.apply(ticket, now, "assigned")
    if (
        assignee is not None
        and assignee.pk != previous
        and (actor is None or assignee.pk != actor.pk)
    ):
        enqueue_after_commit(tasks.notify_new_assignee, ticket.pk, assignee.pk, note)
    return ticket


def do_change_status(ticket: Ticket, *, actor: User, status: str, now: datetime) -> Ticket:
    """Staff may set any status. Customers may only reopen a resolved case (and resolve it)."""
    if status not in Status.values:
        raise DomainError(f"Unknown status {status!r}.", code="invalid_status")
    if actor.is_customer:
        allowed = {
            (Status.RESOLVED, Status.WAITING_US),  # reopen
        } | {(s, Status.RESOLVED) for s in OPEN_STATUSES}
        if (ticket.status, status) not in allowed:
            raise PermissionDenied("You can only reopen a resolved case or mark yours resolved.")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _set_status(ticket, actor, Status(status), now)
        sla_engine.apply(ticket, now, "status")
    return ticket


def do_change_priority(ticket: Ticket, *, actor: User, priority: str, now: datetime) -> Ticket:
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
            sla_engine.apply(ticket, now, "priority")
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


def do_set_tags(ticket: Ticket, *, actor: User, names: Iterable[str], now: datetime) -> Ticket:
    _require_staff(actor)
    wanted = normalize_tags(names)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = sorted(ticket.tags.values_list("name", flat=True))
        if old == sorted(wanted):
            return ticket
        tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
        ticket.tags.set(tags)
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
        audit.record(
            ticket, actor, "tags_changed", now=now, field="tags", old=old, new=sorted(wanted)
        )
    return ticket
