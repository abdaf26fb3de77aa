"""Every change to customer records goes through these functions (house rule 1).

A record is created or updated by its external id (idempotent: the same record sent
twice changes nothing the second time and appends no event). A bulk write is all or
nothing: every row is checked first, and one wrong row refuses the whole request with
the row numbers and messages, so nothing is half-written. Changes are audited in the
event log (``record.created``, ``record.updated``); linking a case to a record is a case
change and goes in the case's history (``record_linked``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core import audit as core_audit
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.customers.models import ContactIdentity, Customer, Organization
from caredesk.records.models import CaseRecordLink, Record, RecordLine, Source
from caredesk.records.validation import LineInput, RecordInput, clean_record
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

CORE_FIELDS = (
    "title",
    "status",
    "starts_at",
    "ends_at",
    "delivered_at",
    "renews_at",
    "amount",
    "currency",
    "attributes",
)


@dataclass(frozen=True)
class Upserted:
    record: Record
    outcome: str  # "created", "updated" or "unchanged"


def _require_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_agent_staff:
        raise PermissionDenied("Only staff and the business's systems can change records.")


def _owner(data: RecordInput) -> tuple[Customer | None, Organization | None]:
    if data.organization_id is not None:
        org = Organization.objects.filter(pk=data.organization_id).first()
        if org is None:
            raise DomainError(
                f"There is no organization with id {data.organization_id}.",
                code="unknown_owner",
                details={"field": "organization_id"},
            )
        return None, org
    if data.customer_id is not None:
        customer = Customer.objects.filter(pk=data.customer_id).first()
    else:
        identity = (
            ContactIdentity.objects.filter(
                kind=ContactIdentity.Kind.EMAIL, value=data.customer_email
            )
            .select_related("customer")
            .first()
        )
        customer = identity.customer if identity else None
    if customer is None:
        which = data.customer_id if data.customer_id is not None else data.customer_email
        raise DomainError(
            f"There is no customer {which}.",
            code="unknown_owner",
            details={"field": "customer_id" if data.customer_id else "customer_email"},
        )
    return customer, None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _line_values(line: LineInput | RecordLine) -> dict[str, Any]:
    return {
        "product": line.product,
        "category": line.category,
        "quantity": line.quantity,
        "price": _plain(line.price),
        "delivered_at": _plain(line.delivered_at),
        "attributes": line.attributes,
    }


def _upsert(data: RecordInput, *, actor: User | None, now: datetime, source: str) -> Upserted:
    customer, org = _owner(data)
    existing = (
        Record.objects.select_for_update()
        .filter(kind=data.kind, external_id=data.external_id, customer=customer, organization=org)
        .first()
    )
    values = {name: getattr(data, name) for name in CORE_FIELDS}
    if existing is None:
        record = Record.objects.create(
            kind=data.kind,
            external_id=data.external_id,
            customer=customer,
            organization=org,
            source=source,
            created_at=now,
            updated_at=now,
            **values,
        )
        _replace_lines(record, data.lines or ())
        core_audit.record(
            "record.created",
            actor=actor,
            now=now,
            field="record",
            new={"id": record.pk, "kind": record.kind, "external_id": record.external_id},
        )
        return Upserted(record, "created")
    old = {name: _plain(getattr(existing, name)) for name in CORE_FIELDS}
    new = {name: _plain(value) for name, value in values.items()}
    changed = {name for name in CORE_FIELDS if old[name] != new[name]}
    old_lines = [_line_values(line) for line in existing.lines.all()]
    lines_changed = data.lines is not None and old_lines != [_line_values(x) for x in data.lines]
    if not changed and not lines_changed:
        return Upserted(existing, "unchanged")
    for name in changed:
        setattr(existing, name, values[name])
    existing.updated_at = now
    existing.save(update_fields=[*changed, "updated_at"])
    if lines_changed:
        existing.lines.all().delete()
        _replace_lines(existing, data.lines or ())
    core_audit.record(
        "record.updated",
        actor=actor,
        now=now,
        field="record",
        old={"id": existing.pk, **{n: old[n] for n in sorted(changed)}},
        new={
            "id": existing.pk,
            **{n: new[n] for n in sorted(changed)},
            **({"lines": len(data.lines or ())} if lines_changed else {}),
        },
    )
    return Upserted(existing, "updated")


def _replace_lines(record: Record, lines: Sequence[LineInput]) -> None:
    RecordLine.objects.bulk_create(
        [RecordLine(record=record, position=i, **asdict(line)) for i, line in enumerate(lines)]
    )


def do_upsert_record(
    raw: dict[str, Any] | RecordInput,
    *,
    actor: User | None,
    now: datetime,
    source: str = Source.API,
) -> Upserted:
    """Create a record, or update the one with the same kind, owner and external id."""
    _require_staff(actor)
    data = raw if isinstance(raw, RecordInput) else clean_record(raw)
    with transaction.atomic():
        return _upsert(data, actor=actor, now=now, source=source)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based, as a person counts rows
    field: str
    message: str


def check_rows(rows: Sequence[Any]) -> tuple[list[RecordInput], list[RowError]]:
    """Check every row (nothing written); the checked rows and the errors per row."""
    checked: list[RecordInput] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(rows, start=1):
        try:
            data = clean_record(row)
        except DomainError as error:
            details = error.details if isinstance(error.details, dict) else {}
            errors.append(RowError(index, str(details.get("field", "")), error.message))
            continue
        owner = f"{data.customer_id or ''}|{data.customer_email}|{data.organization_id or ''}"
        key = (data.kind, data.external_id, owner)
        if key in seen:
            errors.append(
                RowError(
                    index,
                    "external_id",
                    f"The same {data.kind} {data.external_id} is already in row {seen[key]}.",
                )
            )
            continue
        seen[key] = index
        checked.append(data)
    return checked, errors


def do_upsert_records(
    rows: Sequence[Any], *, actor: User | None, now: datetime, source: str = Source.API
) -> list[Upserted]:
    """Up to ``CAREDESK_RECORD_BULK_MAX`` records, all or nothing: one wrong row (or an
    unknown owner) refuses them all with every row's error in ``details``."""
    _require_staff(actor)
    limit = int(settings.CAREDESK_RECORD_BULK_MAX)
    if not rows:
        raise DomainError("Send at least one record.", code="empty")
    if len(rows) > limit:
        raise DomainError(
            f"At most {limit:,} records per request ({len(rows):,} sent).", code="too_many"
        )
    checked, errors = check_rows(rows)
    if errors:
        raise _row_errors(errors)
    results: list[Upserted] = []
    with transaction.atomic():
        for index, data in enumerate(checked, start=1):
            try:
                results.append(_upsert(data, actor=actor, now=now, source=source))
            except DomainError as error:
                details = error.details if isinstance(error.details, dict) else {}
                raise _row_errors(
                    [RowError(index, str(details.get("field", "")), error.message)]
                ) from None
    return results


def _row_errors(errors: Sequence[RowError]) -> DomainError:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return DomainError(
        f"Row {first.row}: {first.message}{more} Nothing was saved.",
        code="invalid_rows",
        details={"rows": [asdict(e) for e in errors[:100]], "errors": len(errors)},
    )


def record_belongs_to_case(record: Record, ticket: Ticket) -> bool:
    if record.customer_id is not None:
        return record.customer_id == ticket.customer_id
    return record.organization_id is not None and record.organization_id == ticket.organization_id


def do_link_record(
    ticket: Ticket,
    *,
    actor: User | None,
    record_id: int,
    line_id: int | None = None,
    now: datetime,
) -> CaseRecordLink:
    """Say which record (and line) a case is about. The record must be the customer's
    own or their organization's; linking it again only changes the line. ``actor`` None
    is caredesk itself (a case opened for a self-service request)."""
    if actor is not None and not actor.is_agent_staff:
        raise PermissionDenied("Only staff can link records to cases.")
    record = Record.objects.filter(pk=record_id).first()
    if record is None or not record_belongs_to_case(record, ticket):
        raise NotFound("No such record for this case's customer.", code="unknown_record")
    line = None
    if line_id is not None:
        line = RecordLine.objects.filter(pk=line_id, record=record).first()
        if line is None:
            raise DomainError("That line is not part of this record.", code="unknown_line")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        link = CaseRecordLink.objects.filter(ticket=ticket, record=record).first()
        if link is not None and link.line_id == (line.pk if line else None):
            return link
        if link is None:
            link = CaseRecordLink.objects.create(
                ticket=ticket, record=record, line=line, linked_by=actor, linked_at=now
            )
        else:
            link.line = line
            link.save(update_fields=["line"])
        audit.record(
            ticket,
            actor,
            "record_linked",
            now=now,
            field="record",
            new={"record": record.pk, "line": line.pk if line else None, "label": record.label},
            note=record.label + (f" · {line.product}" if line else ""),
        )
    return link
