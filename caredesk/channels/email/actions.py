"""State changes of the email channel (house rule 1).

Inbound mail goes through two steps. :func:`do_store_raw` commits the bytes with their
checksum and nothing else (raw first); :func:`do_process_raw` then parses and turns the
message into exactly one outcome: a case message, a bounce record, a duplicate, or a
quarantine entry with a reason. Processing never raises for a bad message.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from caredesk.accounts.models import Role, User
from caredesk.channels.email import bounces, conf, tasks
from caredesk.channels.email.batch import IntakeBatch, Outcome
from caredesk.channels.email.intake import RawInput
from caredesk.channels.email.loops import is_delivery_report, machine_reason
from caredesk.channels.email.models import (
    CaseParticipant,
    EmailLink,
    Mailbox,
    RawMessage,
    RawState,
)
from caredesk.channels.email.parsing import (
    ParsedEmail,
    ParseRefused,
    parse_message,
    scan_message_id,
    synthetic_message_id,
)
from caredesk.channels.email.threading import customer_for_address, find_case
from caredesk.core.effects import enqueue_after_commit, grouped_enqueues
from caredesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.escalations.tasks import check_email_for_escalation
from caredesk.sla import engine as sla_engine
from caredesk.tickets import audit
from caredesk.tickets.actions import do_add_customer_message, do_open_ticket
from caredesk.tickets.models import Channel, Message, Ticket

log = logging.getLogger(__name__)


def do_store_raw(
    raw: RawInput, *, channel: str, now: datetime, mailbox: Mailbox | None = None
) -> tuple[RawMessage, bool]:
    """Commit the raw bytes durably; returns (row, created). Same key → the existing row.

    Processing is enqueued after the commit, so a crash while parsing leaves the row in
    *stored* for the next pass, and the source (IMAP, MTA, HTTP client) is only told
    "done" after this returns."""
    found_id = scan_message_id(raw.data)
    message_id = found_id or synthetic_message_id(raw.sha256)
    key = {"channel": channel[:40], "rfc_message_id": message_id[:255], "sha256": raw.sha256}
    existing = RawMessage.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = RawMessage.objects.create(
                **key,
                mailbox=mailbox,
                synthetic_id=found_id is None,
                size=raw.size,
                raw=raw.data,
                truncated=raw.truncated,
                received_at=now,
            )
            enqueue_after_commit(tasks.process_raw_batch, [row.pk])
    except IntegrityError:
        # The same message arrived through a parallel poll or post: keep one.
        return RawMessage.objects.get(**key), False
    return row, True


def do_store_raw_batch(
    raws: list[RawInput], *, channel: str, now: datetime, mailbox: Mailbox | None = None
) -> list[tuple[RawMessage, bool]]:
    """Commit a fetched batch of raw messages in one transaction; (row, created) for each,
    in order. One processing task is enqueued for the new ones, after the commit.

    The source may be told "done" for every message once this returns. If the batch
    cannot be written together (a parallel poll stored one of them meanwhile), each
    message is stored on its own."""
    channel = channel[:40]
    keys = []
    for raw in raws:
        found_id = scan_message_id(raw.data)
        keys.append((found_id, (found_id or synthetic_message_id(raw.sha256))[:255], raw.sha256))
    existing = {
        (row.rfc_message_id, row.sha256): row
        for row in RawMessage.objects.filter(
            channel=channel, rfc_message_id__in={k[1] for k in keys}
        ).defer("raw")
    }
    results: list[tuple[RawMessage, bool]] = []
    new_rows: list[RawMessage] = []
    try:
        with transaction.atomic():
            for raw, (found_id, message_id, sha256) in zip(raws, keys, strict=True):
                row = existing.get((message_id, sha256))
                if row is not None:
                    results.append((row, False))
                    continue
                row = RawMessage(
                    channel=channel,
                    rfc_message_id=message_id,
                    sha256=sha256,
                    mailbox=mailbox,
                    synthetic_id=found_id is None,
                    size=raw.size,
                    raw=raw.data,
                    truncated=raw.truncated,
                    received_at=now,
                )
                existing[(message_id, sha256)] = row  # the same message twice in one batch
                results.append((row, True))
                new_rows.append(row)
            if new_rows:
                RawMessage.objects.bulk_create(new_rows)
                enqueue_after_commit(tasks.process_raw_batch, [row.pk for row in new_rows])
    except IntegrityError:
        return [do_store_raw(raw, channel=channel, now=now, mailbox=mailbox) for raw in raws]
    if connection.features.can_return_rows_from_bulk_insert:
        return results
    # Without RETURNING (older SQLite) the new rows have no ids yet: read them back.
    return [
        (
            RawMessage.objects.get(
                channel=channel, rfc_message_id=row.rfc_message_id, sha256=row.sha256
            ),
            created,
        )
        if row.pk is None
        else (row, created)
        for row, created in results
    ]


def do_create_customer_from_email(
    address: str, name: str, *, now: datetime, looked_up: bool = False
) -> Customer:
    """A first-time sender becomes a customer, reachable at that address (audited).

    ``looked_up``: the caller has just found no customer with this address (a parallel
    creation is still caught by the unique constraint)."""
    address = address.lower()
    existing = None if looked_up else customer_for_address(address)
    if existing is not None:
        return existing
    display = " ".join(name.split())[:200] or address.split("@")[0][:200] or address
    try:
        with transaction.atomic():
            customer = Customer.objects.create(name=display, created_at=now)
            ContactIdentity.objects.create(
                customer=customer,
                kind=ContactIdentity.Kind.EMAIL,
                value=address,
                created_at=now,
            )
            audit.record(
                None,
                None,
                "customer_created",
                now=now,
                new={
                    "customer": customer.pk,
                    "name": display,
                    "emails": [address],
                    "channel": "email",
                },
            )
    except IntegrityError:
        found = customer_for_address(address)
        if found is None:
            raise
        return found
    return customer


def _set_outcome(
    raw_id: int, state: str, *, now: datetime, error: str = "", **fields: object
) -> None:
    RawMessage.objects.filter(pk=raw_id).update(
        state=state, error=error[:5000], processed_at=now, **fields
    )


def do_quarantine(raw: RawMessage, reason: str, *, now: datetime) -> None:
    with transaction.atomic():
        _set_outcome(raw.pk, RawState.QUARANTINED, now=now, error=reason)
        audit.record(
            None,
            None,
            "email_quarantined",
            now=now,
            new={"raw_message": raw.pk, "channel": raw.channel, "message_id": raw.rfc_message_id},
            note=reason[:1000],
        )
    log.warning("email %s quarantined: %s", raw.pk, reason)


def do_replay(raw_id: int, *, actor: User, now: datetime) -> str:
    """An admin sends a quarantined message through intake again (after a fix)."""
    if not actor.is_agent_staff or actor.role != Role.ADMIN:
        raise PermissionDenied("Only admins can replay quarantined mail.")
    with transaction.atomic():
        raw = RawMessage.objects.select_for_update().filter(pk=raw_id).first()
        if raw is None:
            raise NotFound("There is no such stored message.")
        if raw.state != RawState.QUARANTINED:
            raise Conflict(
                f"This message is {raw.get_state_display().lower()}, not quarantined.",
                code="not_quarantined",
            )
        old_error = raw.error
        raw.state, raw.error = RawState.STORED, ""
        raw.save(update_fields=["state", "error"])
        audit.record(
            None,
            actor,
            "email_replayed",
            now=now,
            field="state",
            old={"raw_message": raw.pk, "state": "quarantined", "error": old_error[:1000]},
            new={"raw_message": raw.pk, "state": "stored"},
        )
    return do_process_raw(raw_id, now=now)


def _body_for(parsed: ParsedEmail, raw: RawMessage) -> str:
    body = parsed.new_text.strip()
    notes = []
    if raw.truncated:
        notes.append(
            f"[This message was {raw.size / 1048576:.1f} MB, over the limit of "
            f"{settings_max_mb()} MB. Only its headers were kept; the sender was told.]"
        )
    for refused in parsed.refused_attachments:
        notes.append(f"[Attachment not accepted: {refused}.]")
    if not body and not notes:
        body = "(This email had no text.)" if not parsed.attachments else "(Attachments only.)"
    limit = settings.CAREDESK_MAX_BODY_CHARS - 200
    if len(body) > limit:
        body = body[:limit] + "\n\n[The text was cut here; the full message is kept as received.]"
    return "\n\n".join(part for part in [body, *notes] if part)


def settings_max_mb() -> str:
    return f"{conf.max_raw_bytes() / 1048576:.0f}"


def _record_participants(
    ticket: Ticket,
    parsed: ParsedEmail,
    customer: Customer,
    now: datetime,
    batch: IntakeBatch,
    *,
    new_case: bool,
) -> None:
    wanted = [(parsed.from_address, "from")] + [(a, "cc") for a in parsed.cc]
    known: set[str] = set()
    if not new_case:
        known.update(
            CaseParticipant.objects.filter(ticket=ticket).values_list("address", flat=True)
        )
    rows = []
    for address, role in wanted:
        if not address or address in batch.own or address in known:
            continue
        if address == parsed.from_address:
            match: Customer | None = customer
        else:
            cached = batch.customer_for(address)
            match = cached if cached is None or isinstance(cached, Customer) else None
            if cached is not None and not isinstance(cached, Customer):
                match = customer_for_address(address)  # not looked up for this batch
        rows.append(
            CaseParticipant(
                ticket=ticket, address=address, customer=match, role=role, created_at=now
            )
        )
        known.add(address)
    if rows:
        CaseParticipant.objects.bulk_create(rows)


def do_process_raw(raw_id: int, *, now: datetime) -> str:
    """Turn one stored message into its outcome. Returns the final state.

    The attempt is counted (and committed) before parsing, so a message that keeps killing
    the worker shows it in the quarantine pages."""
    updated = RawMessage.objects.filter(pk=raw_id, state=RawState.STORED).update(
        attempts=F("attempts") + 1
    )
    if not updated:
        return RawMessage.objects.filter(pk=raw_id).values_list("state", flat=True).first() or ""
    states = do_process_batch([raw_id], now=now, count_attempts=False)
    if raw_id in states:
        return states[raw_id]
    return RawMessage.objects.filter(pk=raw_id).values_list("state", flat=True).first() or ""


def _claim(raw_ids: list[int] | None, limit: int) -> list[RawMessage]:
    pending = RawMessage.objects.filter(state=RawState.STORED)
    if raw_ids is not None:
        pending = pending.filter(pk__in=raw_ids)
    pending = pending.order_by("received_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        # Parallel workers take disjoint batches; a row another worker holds is skipped.
        pending = pending.select_for_update(skip_locked=True)
    return list(pending[:limit])


def _parse(raw: RawMessage) -> ParsedEmail | str:
    """The parsed message, or the reason it goes to quarantine."""
    try:
        return parse_message(
            bytes(raw.raw),
            max_attachments=settings.CAREDESK_MAX_ATTACHMENTS,
            max_attachment_bytes=settings.CAREDESK_MAX_ATTACHMENT_BYTES,
        )
    except ParseRefused as exc:
        return f"Cannot be read: {exc.reason}."
    except Exception as exc:  # never block the queue on one message
        log.exception("email %s: unexpected error while parsing", raw.pk)
        return f"Unexpected error while processing: {type(exc).__name__}: {exc}"


def do_process_batch(
    raw_ids: list[int] | None = None,
    *,
    now: datetime,
    limit: int | None = None,
    count_attempts: bool = True,
) -> dict[int, str]:
    """File up to ``limit`` stored messages (the given ones, or the oldest waiting) in one
    transaction, each inside its own savepoint. Returns {raw id: final state}.

    A message that fails rolls back its own savepoint only and is quarantined with the
    reason; the others are filed normally. Tasks the batch asks for (acknowledgements,
    notifications, enrichment) are enqueued together after the commit."""
    limit = limit or conf.batch_size()
    states: dict[int, str] = {}
    with grouped_enqueues(), sla_engine.cached_lookups(), transaction.atomic():
        rows = _claim(raw_ids, limit)
        if not rows:
            return states
        if count_attempts:
            RawMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                attempts=F("attempts") + 1
            )
        parsed = {row.pk: _parse(row) for row in rows}
        batch = IntakeBatch()
        batch.prefetch([p for p in parsed.values() if isinstance(p, ParsedEmail)])
        for raw in rows:
            states[raw.pk] = _process_in_savepoint(raw, parsed[raw.pk], batch, now)
        batch.write_outcomes(now)
        if batch.acknowledgements:
            enqueue_after_commit(tasks.acknowledge_email_cases, list(batch.acknowledgements))
    return states


def _process_in_savepoint(
    raw: RawMessage, parsed: ParsedEmail | str, batch: IntakeBatch, now: datetime
) -> str:
    if isinstance(parsed, str):
        do_quarantine(raw, parsed, now=now)
        return RawState.QUARANTINED
    mark = batch.mark()
    try:
        with transaction.atomic():
            return _route(raw, parsed, batch, now)
    except DomainError as exc:
        reason = f"Refused: {exc.message}"
    except Exception as exc:  # never block the queue on one message
        log.exception("email %s: unexpected error while processing", raw.pk)
        reason = f"Unexpected error while processing: {type(exc).__name__}: {exc}"
    batch.undo(mark)
    do_quarantine(raw, reason, now=now)
    return RawState.QUARANTINED


def _finish(batch: IntakeBatch, raw: RawMessage, state: str, error: str = "") -> str:
    batch.add_outcome(Outcome(raw.pk, state, error))
    return state


def _route(raw: RawMessage, parsed: ParsedEmail, batch: IntakeBatch, now: datetime) -> str:
    message_id = parsed.message_id or raw.rfc_message_id
    if message_id in batch.filed_ids:
        return _finish(
            batch, raw, RawState.DUPLICATE, "A message with this Message-ID is already on a case."
        )
    if is_delivery_report(parsed):
        found = bounces.record_bounces(raw, parsed, now=now)
        if found:
            return _finish(batch, raw, RawState.BOUNCE)
        do_quarantine(
            raw,
            "A delivery report (or mail-server message) that names no failed recipient.",
            now=now,
        )
        return RawState.QUARANTINED
    if not parsed.from_address:
        do_quarantine(raw, f"No trustworthy sender: {parsed.from_problem}.", now=now)
        return RawState.QUARANTINED
    if parsed.from_address in batch.own:
        do_quarantine(raw, "Sent from one of our own addresses (possible mail loop).", now=now)
        return RawState.QUARANTINED
    if parsed.from_address in batch.staff:
        do_quarantine(
            raw, "Sent by a staff member; staff answer cases in caredesk, not by email.", now=now
        )
        return RawState.QUARANTINED
    machine = machine_reason(parsed, batch.own)
    return _deliver_to_case(raw, parsed, message_id, machine, batch, now)


def _customer(parsed: ParsedEmail, batch: IntakeBatch, now: datetime) -> Customer:
    cached = batch.customer_for(parsed.from_address)
    if isinstance(cached, Customer):
        return cached
    customer = do_create_customer_from_email(
        parsed.from_address, parsed.from_name, now=now, looked_up=cached is None
    )
    batch.remember_customer(parsed.from_address, customer)
    return customer


def _deliver_to_case(
    raw: RawMessage,
    parsed: ParsedEmail,
    message_id: str,
    machine: str,
    batch: IntakeBatch,
    now: datetime,
) -> str:
    """File the message on its case (or a new one). The caller holds the row lock on
    ``raw`` (claimed in this transaction) and a savepoint around this call."""
    match = find_case(parsed)
    body = _body_for(parsed, raw)
    subject = parsed.subject.strip() or "(no subject)"
    html = parsed.html if not raw.truncated else ""
    customer = _customer(parsed, batch, now)
    message: Message | None = None
    ticket = match.ticket
    if ticket is not None:
        try:
            message = do_add_customer_message(
                ticket,
                customer=customer,
                body=body,
                body_html=html,
                channel=Channel.EMAIL,
                now=now,
                files=parsed.attachments,
            )
        except Conflict:
            ticket = None  # a closed case: the customer gets a new one
    opened = ticket is None
    if ticket is None:
        ticket = do_open_ticket(
            customer=customer,
            subject=subject,
            body=body,
            body_html=html,
            channel=Channel.EMAIL,
            now=now,
            files=parsed.attachments,
        )
        message = ticket.messages.order_by("id").first()
        if match.refused is not None:
            audit.record(
                ticket,
                None,
                "thread_hint_refused",
                now=now,
                new={"hinted_case": match.refused.reference, "sender": parsed.from_address},
                note="The sender is not a participant of the hinted case.",
            )
    assert message is not None
    EmailLink.objects.create(
        message=message,
        ticket=ticket,
        rfc_message_id=message_id[:255],
        direction=EmailLink.Direction.INBOUND,
        in_reply_to=" ".join(parsed.in_reply_to)[:255],
        references=" ".join(parsed.references),
        from_address=parsed.from_address,
        quoted_text=parsed.quoted,
        signature=parsed.signature,
        raw=raw,
        created_at=now,
    )
    batch.remember_filed(message_id[:255])
    _record_participants(ticket, parsed, customer, now, batch, new_case=opened)
    batch.add_outcome(
        Outcome(raw.pk, RawState.PROCESSED, message_id=message.pk, ticket_id=ticket.pk)
    )
    if not machine:
        # "I want to speak to a supervisor" escalates the case (issue 6).
        enqueue_after_commit(check_email_for_escalation, message.pk)
        # One automatic mail at most: the size notice (which names the case) or the
        # acknowledgement of a new case. Both are capped per sender as well.
        if raw.truncated or parsed.refused_attachments:
            enqueue_after_commit(tasks.send_oversize_notice, raw.pk)
        elif opened:
            batch.acknowledge(ticket.pk, parsed.from_address)
    return RawState.PROCESSED
