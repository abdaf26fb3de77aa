"""State changes of the email channel (house rule 1).

Inbound mail goes through two steps. :func:`do_store_raw` commits the bytes with their
checksum and nothing else (raw first); :func:`do_process_raw` then parses and turns the
message into exactly one outcome: a case message, a bounce record, a duplicate, or a
quarantine entry with a reason. Processing never raises for a bad message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from caredesk.accounts.models import Role, User
from caredesk.channels.email import bounces, conf, tasks
from caredesk.channels.email.batch import IntakeBatch, Outcome
from caredesk.channels.email.headertext import shorten
from caredesk.channels.email.intake import RawInput
from caredesk.channels.email.loops import (
    is_delivery_report,
    is_own,
    machine_reason,
    warn_without_own_addresses,
)
from caredesk.channels.email.models import (
    CaseParticipant,
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
from caredesk.channels.email.threading import ThreadMatch, customer_for_address, find_cases
from caredesk.core import audit as core_audit
from caredesk.core.bulk import parameters_apart
from caredesk.core.effects import enqueue_after_commit, grouped_enqueues
from caredesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from caredesk.core.models import EmailLink
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.escalations.tasks import check_emails_for_escalation
from caredesk.tickets import audit
from caredesk.tickets.actions import (
    MAX_SUBJECT,
    CustomerWrite,
    NewCase,
    do_add_customer_messages,
    do_open_tickets,
    follow_up_subject,
    open_follow_ups,
)
from caredesk.tickets.models import Channel, Message, Status, Ticket

log = logging.getLogger(__name__)

# Raw rows per INSERT statement: with the values sent apart, PostgreSQL takes at most
# 65,535 parameters per statement (12 per row here).
RAW_ROWS_PER_INSERT = 1000
CUT_NOTE = "[The text was cut here; the full message is kept as received.]"


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
        with transaction.atomic(), parameters_apart():  # the raw bytes go as binary
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
                with parameters_apart():  # the raw bytes go as binary, not quoted
                    RawMessage.objects.bulk_create(new_rows, batch_size=RAW_ROWS_PER_INSERT)
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
    try:
        with transaction.atomic():
            return do_create_customers_from_email([(address, name)], now=now)[0]
    except IntegrityError:
        found = customer_for_address(address)
        if found is None:
            raise
        return found


def do_create_customers_from_email(
    senders: Sequence[tuple[str, str]], *, now: datetime
) -> list[Customer]:
    """First-time senders (address, display name) that no customer has yet become
    customers, in three statements. An address taken meanwhile raises IntegrityError."""
    customers = []
    for address, name in senders:
        display = " ".join(name.split())[:200] or address.split("@")[0][:200] or address
        customers.append(Customer(name=display, created_at=now))
    with transaction.atomic():
        Customer.objects.bulk_create(customers)
        ContactIdentity.objects.bulk_create(
            ContactIdentity(
                customer=customer,
                kind=ContactIdentity.Kind.EMAIL,
                value=address.lower(),
                created_at=now,
            )
            for customer, (address, _) in zip(customers, senders, strict=True)
        )
        core_audit.record_many(
            [
                core_audit.Change(
                    "customer.created",
                    new={
                        "customer": customer.pk,
                        "name": customer.name,
                        "emails": [address.lower()],
                        "channel": "email",
                    },
                )
                for customer, (address, _) in zip(customers, senders, strict=True)
            ],
            now=now,
        )
    return customers


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
        body = body[:limit] + "\n\n" + CUT_NOTE
    return "\n\n".join(part for part in [body, *notes] if part)


def _case_subject(subject: str, body: str) -> tuple[str, str]:
    """The subject of a new case, and the first message's body. A subject too long for
    the case is shortened with an ellipsis; the full subject then opens the body."""
    subject = subject.strip() or "(no subject)"
    short = shorten(subject, MAX_SUBJECT)
    if short == subject:
        return subject, body
    text = f"Subject: {subject}\n\n{body}"
    limit = settings.CAREDESK_MAX_BODY_CHARS
    if len(text) > limit:
        text = text[: limit - 100] + "\n\n" + CUT_NOTE
    return short, text


def settings_max_mb() -> str:
    return f"{conf.max_raw_bytes() / 1048576:.0f}"


def _participant_rows(
    ticket: Ticket,
    parsed: ParsedEmail,
    customer: Customer,
    now: datetime,
    batch: IntakeBatch,
    known: set[str],
) -> list[CaseParticipant]:
    """Sender and CC'd addresses not yet recorded on the case (``known``: those that are)."""
    wanted = [(parsed.from_address, "from")] + [(a, "cc") for a in parsed.cc]
    known = set(known)
    rows = []
    for address, role in wanted:
        if not address or is_own(address, batch.own) or address in known:
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
    return rows


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


def _claim(raw_ids: list[int] | None, limit: int, *, coalesce: bool) -> list[RawMessage]:
    """Lock up to ``limit`` stored messages: the given ones (or, with ``coalesce``, those
    and then the oldest others waiting; without ids, the oldest waiting), in the order
    received, within the batch's byte budget (at least one message)."""
    stored = RawMessage.objects.filter(state=RawState.STORED).order_by("received_at", "id")
    candidates: list[tuple[int, int]] = []
    if raw_ids is not None:
        candidates = list(stored.filter(pk__in=raw_ids).values_list("pk", "size")[:limit])
    if (raw_ids is None or coalesce) and len(candidates) < limit:
        others = stored.exclude(pk__in=[pk for pk, _ in candidates])
        candidates += list(others.values_list("pk", "size")[: limit - len(candidates)])
    chosen: list[int] = []
    total, budget = 0, conf.batch_bytes()
    for pk, size in candidates:
        if chosen and total + size > budget:
            break
        chosen.append(pk)
        total += size
    if not chosen:
        return []
    rows = stored.filter(pk__in=chosen)
    if connection.features.has_select_for_update_skip_locked:
        # Parallel workers take disjoint batches; a row another worker holds is skipped.
        rows = rows.select_for_update(skip_locked=True)
    return list(rows)


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
    coalesce: bool = False,
) -> dict[int, str]:
    """File up to ``limit`` stored messages (the given ones, or the oldest waiting) in one
    transaction, each inside its own savepoint. Returns {raw id: final state}.

    ``coalesce``: fill the batch up with other messages waiting, so a worker that falls
    behind (mail arriving one by one from the MTA pipe or the HTTP endpoint) catches up
    in batches; the tasks of the messages it took along find them filed.

    A message that fails rolls back its own savepoint only and is quarantined with the
    reason; the others are filed normally. Tasks the batch asks for (acknowledgements,
    notifications, enrichment) are enqueued together after the commit."""
    limit = limit or conf.batch_size()
    states: dict[int, str] = {}
    with grouped_enqueues(), transaction.atomic():
        rows = _claim(raw_ids, limit, coalesce=coalesce)
        if not rows:
            return states
        if count_attempts:
            RawMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                attempts=F("attempts") + 1
            )
        parsed = {row.pk: _parse(row) for row in rows}
        batch = IntakeBatch()
        warn_without_own_addresses(batch.own)
        batch.prefetch([p for p in parsed.values() if isinstance(p, ParsedEmail)])
        wave: list[tuple[RawMessage, ParsedEmail]] = []
        for raw in rows:
            item = parsed[raw.pk]
            if isinstance(item, ParsedEmail) and _joins_wave(raw, item, wave, batch):
                wave.append((raw, item))
                continue
            states.update(_deliver_wave(wave, batch, now))
            wave = []
            if isinstance(item, ParsedEmail) and _joins_wave(raw, item, wave, batch):
                wave.append((raw, item))
            else:
                states[raw.pk] = _process_in_savepoint(raw, item, batch, now)
        states.update(_deliver_wave(wave, batch, now))
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
    if is_own(parsed.from_address, batch.own):
        do_quarantine(raw, "Sent from one of our own addresses (possible mail loop).", now=now)
        return RawState.QUARANTINED
    if parsed.from_address in batch.staff:
        do_quarantine(
            raw, "Sent by a staff member; staff answer cases in caredesk, not by email.", now=now
        )
        return RawState.QUARANTINED
    return _file_wave([(raw, parsed)], find_cases([parsed]), batch, now)[raw.pk]


def _plain(raw: RawMessage, parsed: ParsedEmail, batch: IntakeBatch) -> bool:
    """A message that goes straight to a case: not a duplicate, a delivery report, or
    from a sender we refuse (see :func:`_route` for those)."""
    return bool(
        (parsed.message_id or raw.rfc_message_id) not in batch.filed_ids
        and parsed.from_address
        and not is_own(parsed.from_address, batch.own)
        and parsed.from_address not in batch.staff
        and not is_delivery_report(parsed)
    )


def _joins_wave(
    raw: RawMessage,
    parsed: ParsedEmail,
    wave: list[tuple[RawMessage, ParsedEmail]],
    batch: IntakeBatch,
) -> bool:
    """Whether this message can be filed together with the messages of ``wave``: it is
    plain and does not refer to (or repeat) one of them, which must be filed first."""
    if not _plain(raw, parsed, batch):
        return False
    ids = {(p.message_id or r.rfc_message_id)[:255] for r, p in wave}
    mine = [
        (parsed.message_id or raw.rfc_message_id)[:255],
        *parsed.in_reply_to,
        *parsed.references,
    ]
    return not ids.intersection(mine)


def _deliver_wave(
    wave: list[tuple[RawMessage, ParsedEmail]], batch: IntakeBatch, now: datetime
) -> dict[int, str]:
    """File plain messages together, in rounds where each case receives at most one
    message (a second one for a case waits for the next round, so a case's messages keep
    their order). If a round fails as a whole, its messages are filed one by one, so
    only the one at fault is quarantined."""
    states: dict[int, str] = {}
    while len(wave) > 1:
        matches = find_cases([p for _, p in wave])
        part, later, seen = [], [], set()
        for item, match in zip(wave, matches, strict=True):
            if match.ticket is not None and match.ticket.pk in seen:
                later.append(item)
                continue
            if match.ticket is not None:
                seen.add(match.ticket.pk)
            part.append((item, match))
        wave = later
        mark = batch.mark()
        try:
            with transaction.atomic():
                states.update(_file_wave([i for i, _ in part], [m for _, m in part], batch, now))
        except Exception as exc:  # filed again one by one below, each in its savepoint
            log.info(
                "email round of %s filed one by one: %s: %s", len(part), type(exc).__name__, exc
            )
            batch.undo(mark)
            for raw, parsed in (i for i, _ in part):
                states[raw.pk] = _process_in_savepoint(raw, parsed, batch, now)
    for raw, parsed in wave:
        states[raw.pk] = _process_in_savepoint(raw, parsed, batch, now)
    return states


def _customer(parsed: ParsedEmail, batch: IntakeBatch, now: datetime) -> Customer:
    cached = batch.customer_for(parsed.from_address)
    if isinstance(cached, Customer):
        return cached
    customer = do_create_customer_from_email(
        parsed.from_address, parsed.from_name, now=now, looked_up=cached is None
    )
    batch.remember_customer(parsed.from_address, customer)
    return customer


def _file_wave(
    items: list[tuple[RawMessage, ParsedEmail]],
    matches: list[ThreadMatch],
    batch: IntakeBatch,
    now: datetime,
) -> dict[int, str]:
    """File plain messages (no two on one case) on their cases or on new ones, with a
    few statements for all of them. The caller holds the rows of ``items`` (claimed in
    this transaction) and a savepoint around this call."""
    # First-time senders become customers together (the first message's name wins).
    new_senders: dict[str, str] = {}
    for _, parsed in items:
        if batch.customer_for(parsed.from_address) is None:
            new_senders.setdefault(parsed.from_address, parsed.from_name)
    if new_senders:
        created = do_create_customers_from_email(list(new_senders.items()), now=now)
        for address, customer in zip(new_senders, created, strict=True):
            batch.remember_customer(address, customer)
    customers = [_customer(parsed, batch, now) for _, parsed in items]
    # Lock the matched cases and read their status now: a closed case gets a new one.
    matched = {m.ticket.pk for m in matches if m.ticket is not None}
    status_of: dict[int, str] = (
        dict(Ticket.objects.select_for_update().filter(pk__in=matched).values_list("pk", "status"))
        if matched
        else {}
    )
    # A reply to a closed case goes to its open follow-up, or opens one (docs/resolutions.md).
    closed = [pk for pk, status in status_of.items() if status == Status.CLOSED]
    follow_ups = open_follow_ups(closed) if closed else {}
    written: set[int] = set()
    writes: list[tuple[int, CustomerWrite]] = []
    cases: list[tuple[int, NewCase]] = []
    for i, ((raw, parsed), match, customer) in enumerate(
        zip(items, matches, customers, strict=True)
    ):
        body = _body_for(parsed, raw)
        html = parsed.html if not raw.truncated else ""
        ticket = match.ticket
        follow_up = follow_ups.get(ticket.pk) if ticket is not None else None
        if follow_up is not None and follow_up.pk not in written and follow_up.pk not in matched:
            written.add(follow_up.pk)
            writes.append(
                (
                    i,
                    CustomerWrite(
                        follow_up, customer, body, Channel.EMAIL, html, files=parsed.attachments
                    ),
                )
            )
        elif ticket is not None and status_of.get(ticket.pk, Status.CLOSED) != Status.CLOSED:
            write = CustomerWrite(
                ticket,
                customer,
                body,
                Channel.EMAIL,
                html,
                files=parsed.attachments,
                machine=bool(machine_reason(parsed, batch.own)),
                origin=match.origin,
            )
            writes.append((i, write))
        else:
            subject, body = _case_subject(parsed.subject, body)
            # A reply to a closed case opens a follow-up linked to it (docs/resolutions.md).
            original = ticket
            if original is not None:
                subject = follow_up_subject(original)
            case = NewCase(
                customer,
                subject,
                body,
                Channel.EMAIL,
                html,
                files=parsed.attachments,
                team=original.team if original is not None else None,
                follow_up_of=original,
                from_machine=bool(machine_reason(parsed, batch.own)),
            )
            cases.append((i, case))
    filed: dict[int, tuple[Ticket, Message, bool]] = {}
    if writes:
        messages = do_add_customer_messages([w for _, w in writes], now=now)
        for (i, _), message in zip(writes, messages, strict=True):
            filed[i] = (message.ticket, message, False)
    if cases:
        for (i, _), opened in zip(
            cases, do_open_tickets([c for _, c in cases], now=now), strict=True
        ):
            filed[i] = (opened.ticket, opened.message, True)
    refusals = []
    for i, match in enumerate(matches):
        ticket, _, new_case = filed[i]
        if new_case and match.refused is not None:
            refusals.append(
                audit.event(
                    ticket,
                    None,
                    "thread_hint_refused",
                    now=now,
                    new={
                        "hinted_case": match.refused.reference,
                        "sender": items[i][1].from_address,
                    },
                    note="The sender is not a participant of the hinted case.",
                )
            )
    audit.insert(refusals)
    known: dict[int, set[str]] = {}
    if writes:
        for ticket_id, address in CaseParticipant.objects.filter(
            ticket_id__in=[w.ticket.pk for _, w in writes]
        ).values_list("ticket_id", "address"):
            known.setdefault(ticket_id, set()).add(address)
    links, participants = [], []
    states: dict[int, str] = {}
    human: list[int] = []
    for i, ((raw, parsed), customer) in enumerate(zip(items, customers, strict=True)):
        ticket, message, new_case = filed[i]
        message_id = (parsed.message_id or raw.rfc_message_id)[:255]
        origin = matches[i].origin if not new_case else None
        links.append(
            EmailLink(
                message_id=message.pk,
                # Filed through a merged case's pointer: the thread stays the merged
                # case's, so the next mail in it follows the pointer again (ADR 0025).
                ticket_id=origin.pk if origin is not None else ticket.pk,
                rfc_message_id=message_id,
                direction=EmailLink.Direction.INBOUND,
                in_reply_to=" ".join(parsed.in_reply_to)[:255],
                references=" ".join(parsed.references),
                from_address=parsed.from_address,
                quoted_text=parsed.quoted,
                signature=parsed.signature,
                raw_id=raw.pk,
                created_at=now,
            )
        )
        batch.remember_filed(message_id)
        if origin is None:  # a merged case's senders stay its participants
            participants += _participant_rows(
                ticket, parsed, customer, now, batch, known.get(ticket.pk, set())
            )
        batch.add_outcome(
            Outcome(raw.pk, RawState.PROCESSED, message_id=message.pk, ticket_id=ticket.pk)
        )
        states[raw.pk] = RawState.PROCESSED
        if not machine_reason(parsed, batch.own):
            human.append(message.pk)
            # One automatic mail at most: the size notice (which names the case) or the
            # acknowledgement of a new case. Both are capped per sender as well.
            if raw.truncated or parsed.refused_attachments:
                enqueue_after_commit(tasks.send_oversize_notice, raw.pk)
            elif new_case:
                batch.acknowledge(ticket.pk, parsed.from_address)
    EmailLink.objects.bulk_create(links)
    CaseParticipant.objects.bulk_create(participants)
    if human:
        # "I want to speak to a supervisor" escalates the case (issue 6).
        enqueue_after_commit(check_emails_for_escalation, human)
    return states
