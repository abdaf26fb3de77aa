"""Merging a duplicate into another case, and splitting a message into a new case.

Both are case actions (house rule 1): one transaction, the cases locked in id order,
audit events on every case they touch, side effects after commit. What a merge means to
the apps above (promises move to the target, the SLA clocks of the source stop, email
participants follow) is their reaction to ``case.merged`` (docs/adr/0007), so this module
imports nothing above tickets. The rules are in docs/adr/0025-merge-split-links.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q

from caredesk.accounts.models import User
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError
from caredesk.core.text import clean_line
from caredesk.customers.models import Customer
from caredesk.tickets import audit, tasks
from caredesk.tickets.actions import (
    MAX_SUBJECT,
    MAX_TAGS,
    CustomerWrite,
    _require_staff,
    _save_tags,
    do_add_customer_messages,
)
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import (
    CaseLink,
    LinkKind,
    Message,
    MessageKind,
    SearchEntry,
    Status,
    Ticket,
    TimeEntry,
)

MAX_MERGE_HOPS = 20  # a pointer chain longer than this is refused, never followed forever


def final_target(ticket: Ticket) -> Ticket:
    """The case a merged case's pointer chain ends on (``ticket`` itself when not merged)."""
    current = ticket
    for _ in range(MAX_MERGE_HOPS):
        if current.status != Status.MERGED or current.merged_into_id is None:
            return current
        current = Ticket.objects.get(pk=current.merged_into_id)
    raise Conflict("This case's merge chain is too long.", code="merge_chain")


def do_write_on_merged(
    source: Ticket,
    *,
    customer: Customer,
    body: str,
    channel: str,
    now: datetime,
    actor: User | None = None,
    files: list[IncomingFile] | None = None,
) -> Message:
    """The customer writes on a merged case (the portal): the message goes to the case
    the pointer leads to, marked as written on ``source`` (ADR 0025), as email does."""
    target = final_target(source)
    write = CustomerWrite(
        target, customer, body, channel, actor=actor, files=tuple(files or ()), origin=source
    )
    return do_add_customer_messages([write], now=now)[0]


@dataclass(frozen=True)
class Merged:
    source: Ticket
    target: Ticket
    moved_messages: int
    across_customers: bool


def _lock_pair(a_id: int, b_id: int) -> tuple[Ticket, Ticket]:
    """Both cases locked, lowest id first (the order every multi-case action uses)."""
    found = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk__in=[a_id, b_id])
        .order_by("pk")
    )
    rows = {t.pk: t for t in found}
    if a_id not in rows or b_id not in rows:
        raise Ticket.DoesNotExist("case does not exist")
    return rows[a_id], rows[b_id]


def do_merge_cases(
    source: Ticket,
    target: Ticket,
    *,
    actor: User,
    now: datetime,
    confirm_other_customer: bool = False,
    note: str = "",
) -> Merged:
    """Merge ``source`` (a duplicate) into ``target``: its messages (with attachments and
    search entries) move to the target, the source becomes a pointer (status ``merged``,
    ``merged_into``), both timelines say so, and the source's customer is told by mail.
    Across customers the caller must confirm; the moved messages then stay hidden from
    the target's customer in the portal (ADR 0025). Callers check access to both first."""
    _require_staff(actor)
    note = note.strip()
    if len(note) > 2000:
        raise DomainError("The note is too long (limit 2,000 characters).", code="too_long")
    if source.pk == target.pk:
        raise DomainError("A case cannot be merged into itself.", code="merge_into_itself")
    with transaction.atomic():
        source, target = _lock_pair(source.pk, target.pk)
        if source.status == Status.MERGED:
            into = source.merged_into
            where = into.reference if into is not None else "another case"
            raise Conflict(
                f"{source.reference} is already merged into {where}.", code="already_merged"
            )
        if target.status == Status.MERGED:
            into = target.merged_into
            where = into.reference if into is not None else "another case"
            raise Conflict(
                f"{target.reference} was merged into {where}: merge into that case instead.",
                code="target_merged",
            )
        if target.status == Status.CLOSED:
            raise Conflict(
                f"{target.reference} is closed: reopen it or merge the other way.",
                code="target_closed",
            )
        across = source.customer_id != target.customer_id
        if across and not confirm_other_customer:
            raise Conflict(
                f"{source.reference} is from {source.customer.name} and {target.reference} "
                f"from {target.customer.name}. Confirm to merge across customers.",
                code="confirm_other_customer",
            )
        moved = _move_messages(source, target, across, now)
        _carry_tags(source, target, actor, now)
        old_status = source.status
        source.status = Status.MERGED
        source.merged_into = target
        source.message_count = 0
        source.updated_at = now
        source.save(update_fields=["status", "merged_into", "message_count", "updated_at"])
        target.updated_at = now
        target.message_count += moved
        Ticket.objects.filter(pk=target.pk).update(
            message_count=F("message_count") + moved, updated_at=now
        )
        if source.time_spent_minutes:
            _move_time(source, target)
        detail = {
            "source": {"case": source.reference, "id": source.pk},
            "target": {"case": target.reference, "id": target.pk},
            "messages": moved,
            "across_customers": across,
            "status_before": old_status,
            "note": note,  # staff's reason, on the target's (staff) line
        }
        audit.insert(
            [
                audit.event(
                    source,
                    actor,
                    "merged",
                    now=now,
                    field="merged_into",
                    old=None,
                    new=detail,
                    # The customer sees this line: across customers it names no case.
                    note=(
                        "Joined with another case about the same problem."
                        if across
                        else f"Merged into {target.reference}."
                    ),
                    public=True,
                ),
                audit.event(
                    target,
                    actor,
                    "merged_in",
                    now=now,
                    field="merged_cases",
                    new=detail,
                    note=note or f"{source.reference} was merged into this case.",
                    # The target's customer does not hear of another customer's case.
                    public=not across,
                ),
            ]
        )
    if not source.from_machine:
        enqueue_after_commit(tasks.tell_customer_of_merge, source.pk)
    return Merged(source, target, moved, across)


def _carry_tags(source: Ticket, target: Ticket, actor: User, now: datetime) -> None:
    """The target gets the source's tags it lacks (up to the per-case limit, the target's
    own first); the source keeps its tags, as history."""
    extra = list(source.tags.values_list("name", flat=True))
    if not extra:
        return
    current = list(target.tags.values_list("name", flat=True))
    wanted = current + [t for t in extra if t not in current]
    _save_tags(target, actor, wanted[:MAX_TAGS], now)


def _move_time(source: Ticket, target: Ticket) -> None:
    """Time entries follow their messages (each keeps the team and customer it was
    recorded for); the total moves with them (docs/replies.md, "Time spent")."""
    minutes = source.time_spent_minutes
    TimeEntry.objects.filter(ticket_id=source.pk).update(ticket=target)
    Ticket.objects.filter(pk=source.pk).update(time_spent_minutes=0)
    Ticket.objects.filter(pk=target.pk).update(time_spent_minutes=F("time_spent_minutes") + minutes)
    source.time_spent_minutes = 0
    target.time_spent_minutes += minutes


def _move_messages(source: Ticket, target: Ticket, across: bool, now: datetime) -> int:
    """Messages keep their first origin (a case merged twice), attachments follow their
    message, search entries follow too (not public across customers: ADR 0025)."""
    ids = list(Message.objects.filter(ticket_id=source.pk).values_list("pk", flat=True))
    if not ids:
        return 0
    Message.objects.filter(pk__in=ids, origin_ticket__isnull=True).update(origin_ticket=source)
    Message.objects.filter(pk__in=ids).update(ticket=target)
    entries = SearchEntry.objects.filter(message_id__in=ids)
    if across:
        entries.update(ticket=target, public=False)
    else:
        entries.update(ticket=target)
    return len(ids)


def do_split_message(
    ticket: Ticket, message_id: int, *, actor: User, now: datetime, subject: str = ""
) -> Ticket:
    """Move one customer message to a new case of the same customer: its words become the
    new case's pinned original request, the two cases are linked as related, and both
    timelines say so. The case's first message (its original request) cannot be split."""
    _require_staff(actor)
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise DomainError("Choose a message to split.", code="invalid_message")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "team")
            .get(pk=ticket.pk)
        )
        if ticket.status == Status.MERGED:
            raise Conflict(f"{ticket.reference} is merged: split on its target.", code="merged")
        message = (
            Message.objects.select_related("author_customer")
            .filter(pk=message_id, ticket_id=ticket.pk)
            .first()
        )
        if message is None:
            raise DomainError("That message is not on this case.", code="invalid_message")
        if message.kind != MessageKind.CUSTOMER:
            raise DomainError("Only a customer's message can be split.", code="not_customer")
        first = Message.objects.filter(ticket_id=ticket.pk).order_by("created_at", "id").first()
        if first is not None and first.pk == message.pk:
            raise DomainError(
                "The original request cannot be split off its case.", code="original_request"
            )
        customer = message.author_customer or ticket.customer
        title = subject.strip() or f"Split from {ticket.reference}: {ticket.subject}"[:MAX_SUBJECT]
        title = clean_line(title, max_chars=MAX_SUBJECT, field="subject")
        new = Ticket.objects.create(
            subject=title,
            status=Status.OPEN if ticket.assignee_id else Status.NEW,
            priority=ticket.priority,
            channel=message.channel,
            customer=customer,
            organization_id=customer.organization_id,
            team_id=ticket.team_id,
            assignee_id=ticket.assignee_id,
            original_request=message.body,
            message_count=1,
            created_at=now,
            updated_at=now,
            last_customer_message_at=message.created_at,
            from_machine=ticket.from_machine,
        )
        SearchEntry.objects.create(ticket=new, message=None, public=True, content=new.subject)
        Message.objects.filter(pk=message.pk).update(ticket=new, origin_ticket=None)
        SearchEntry.objects.filter(message_id=message.pk).update(ticket=new)
        Ticket.objects.filter(pk=ticket.pk).update(
            message_count=F("message_count") - 1, updated_at=now
        )
        ticket.message_count -= 1
        CaseLink.objects.create(
            source=ticket, target=new, kind=LinkKind.RELATED, created_by=actor, created_at=now
        )
        detail = {
            "from": {"case": ticket.reference, "id": ticket.pk},
            "to": {"case": new.reference, "id": new.pk},
            "message": message.pk,
        }
        audit.insert(
            [
                audit.event(
                    new,
                    actor,
                    "created",
                    now=now,
                    new={
                        "subject": new.subject,
                        "channel": new.channel,
                        "priority": new.priority,
                        "team": ticket.team.name if ticket.team else None,
                        "split_from": ticket.reference,
                    },
                    public=True,
                ),
                audit.event(
                    new,
                    actor,
                    "split_from",
                    now=now,
                    field="split_from",
                    new=detail,
                    note=f"Split from {ticket.reference}.",
                    public=True,
                ),
                audit.event(
                    ticket,
                    actor,
                    "split",
                    now=now,
                    field="split",
                    new=detail,
                    note=f"A message was split off into {new.reference}.",
                    public=True,
                ),
            ]
        )
    return new


def merged_sources(target: Ticket) -> list[Ticket]:
    """The cases merged into ``target`` (the target's timeline names them)."""
    return list(
        Ticket.objects.filter(Q(merged_into_id=target.pk) & Q(status=Status.MERGED)).order_by("pk")
    )
