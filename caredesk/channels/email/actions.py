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
from django.db import IntegrityError, transaction

from caredesk.accounts.models import Role, User
from caredesk.channels.email import bounces, tasks
from caredesk.channels.email.intake import RawInput
from caredesk.channels.email.loops import is_delivery_report, machine_reason, own_addresses
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
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets import audit
from caredesk.escalations.tasks import check_email_for_escalation
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
            enqueue_after_commit(tasks.process_raw_message, row.pk)
    except IntegrityError:
        # The same message arrived through a parallel poll or post: keep one.
        return RawMessage.objects.get(**key), False
    return row, True


def do_create_customer_from_email(address: str, name: str, *, now: datetime) -> Customer:
    """A first-time sender becomes a customer, reachable at that address (audited)."""
    address = address.lower()
    existing = customer_for_address(address)
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
    from caredesk.channels.email import conf

    return f"{conf.max_raw_bytes() / 1048576:.0f}"


def _record_participants(
    ticket: Ticket, parsed: ParsedEmail, customer: Customer, now: datetime
) -> None:
    own = own_addresses()
    wanted = [(parsed.from_address, "from")] + [(a, "cc") for a in parsed.cc]
    known = set(CaseParticipant.objects.filter(ticket=ticket).values_list("address", flat=True))
    for address, role in wanted:
        if not address or address in own or address in known:
            continue
        match = customer if address == parsed.from_address else customer_for_address(address)
        CaseParticipant.objects.create(
            ticket=ticket, address=address, customer=match, role=role, created_at=now
        )
        known.add(address)


def do_process_raw(raw_id: int, *, now: datetime) -> str:
    """Turn one stored message into its outcome. Returns the final state."""
    raw = RawMessage.objects.filter(pk=raw_id).first()
    if raw is None or raw.state != RawState.STORED:
        return raw.state if raw else ""
    RawMessage.objects.filter(pk=raw_id).update(attempts=raw.attempts + 1)
    try:
        parsed = parse_message(
            bytes(raw.raw),
            max_attachments=settings.CAREDESK_MAX_ATTACHMENTS,
            max_attachment_bytes=settings.CAREDESK_MAX_ATTACHMENT_BYTES,
        )
        return _route(raw, parsed, now)
    except ParseRefused as exc:
        do_quarantine(raw, f"Cannot be read: {exc.reason}.", now=now)
    except DomainError as exc:
        do_quarantine(raw, f"Refused: {exc.message}", now=now)
    except Exception as exc:  # never block the queue on one message
        log.exception("email %s: unexpected error while processing", raw_id)
        do_quarantine(
            raw, f"Unexpected error while processing: {type(exc).__name__}: {exc}", now=now
        )
    return RawState.QUARANTINED


def _route(raw: RawMessage, parsed: ParsedEmail, now: datetime) -> str:
    message_id = parsed.message_id or raw.rfc_message_id
    if EmailLink.objects.filter(rfc_message_id=message_id).exists():
        _set_outcome(
            raw.pk,
            RawState.DUPLICATE,
            now=now,
            error="A message with this Message-ID is already on a case.",
        )
        return RawState.DUPLICATE
    if is_delivery_report(parsed):
        found = bounces.record_bounces(raw, parsed, now=now)
        if found:
            _set_outcome(raw.pk, RawState.BOUNCE, now=now)
            return RawState.BOUNCE
        do_quarantine(
            raw,
            "A delivery report (or mail-server message) that names no failed recipient.",
            now=now,
        )
        return RawState.QUARANTINED
    if not parsed.from_address:
        do_quarantine(raw, f"No trustworthy sender: {parsed.from_problem}.", now=now)
        return RawState.QUARANTINED
    own = own_addresses()
    if parsed.from_address in own:
        do_quarantine(raw, "Sent from one of our own addresses (possible mail loop).", now=now)
        return RawState.QUARANTINED
    staff = User.objects.filter(
        email=parsed.from_address, role__in=[Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN]
    ).exists()
    if staff:
        do_quarantine(
            raw, "Sent by a staff member; staff answer cases in caredesk, not by email.", now=now
        )
        return RawState.QUARANTINED
    return _deliver_to_case(raw, parsed, message_id, machine_reason(parsed, own), now)


def _deliver_to_case(
    raw: RawMessage, parsed: ParsedEmail, message_id: str, machine: str, now: datetime
) -> str:
    match = find_case(parsed)
    body = _body_for(parsed, raw)
    subject = parsed.subject.strip() or "(no subject)"
    html = parsed.html if not raw.truncated else ""
    with transaction.atomic():
        locked = RawMessage.objects.select_for_update().get(pk=raw.pk)
        if locked.state != RawState.STORED:
            return locked.state  # another worker finished it meanwhile
        customer = do_create_customer_from_email(parsed.from_address, parsed.from_name, now=now)
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
        _record_participants(ticket, parsed, customer, now)
        _set_outcome(raw.pk, RawState.PROCESSED, now=now, message=message, ticket=ticket)
        if not machine:
            # "I want to speak to a supervisor" escalates the case (issue 6).
            enqueue_after_commit(check_email_for_escalation, message.pk)
            # One automatic mail at most: the size notice (which names the case) or the
            # acknowledgement of a new case. Both are capped per sender as well.
            if raw.truncated or parsed.refused_attachments:
                enqueue_after_commit(tasks.send_oversize_notice, raw.pk)
            elif opened:
                enqueue_after_commit(tasks.acknowledge_email_case, ticket.pk, parsed.from_address)
    return RawState.PROCESSED
