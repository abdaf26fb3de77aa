"""Customer records (orders, subscriptions, bookings) and the case ↔ record link.

Writes are idempotent by (kind, owner, external id): sending the same record again
answers 200 with ``outcome: "unchanged"``. ``/records/bulk`` takes up to 1,000 records
and is all or nothing: one invalid row refuses the request (422, every row's error in
``details.rows``) and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from caredesk.channels.api.auth import api_user, is_customer, require_staff, token_customer
from caredesk.channels.api.errors import ERROR_CODES, ApiError, unprocessable
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.pagination import after_id, id_cursor
from caredesk.channels.api.schemas import ErrorOut, InSchema
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.customers.models import Customer
from caredesk.policies import eligibility
from caredesk.records import actions
from caredesk.records.models import Record, Source
from caredesk.records.selectors import records_of_customer, with_lines
from caredesk.tickets.access import access_ticket

router = Router(tags=["records"])
case_router = Router(tags=["records"])


class LineIn(InSchema):
    product: str = Field(..., max_length=200)
    category: str | None = Field(None, max_length=100)
    quantity: int | str | None = 1
    price: str | float | int | None = None
    delivered_at: str | None = Field(None, description="ISO 8601 with a time zone, or a date.")
    attributes: dict[str, Any] | None = None


class RecordIn(InSchema):
    kind: str = Field(..., description="order, subscription, booking (CAREDESK_RECORD_KINDS)")
    external_id: str = Field(..., description="Your id; unique per kind and owner.")
    customer_id: int | None = None
    customer_email: str | None = None
    organization_id: int | None = None
    title: str | None = None
    status: str | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    delivered_at: str | None = None
    renews_at: str | None = None
    amount: str | float | int | None = None
    currency: str | None = None
    attributes: dict[str, Any] | None = Field(
        None, description="A JSON object, at most CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES (16 KB)."
    )
    lines: list[LineIn] | None = Field(
        None, description="Order lines; when given they replace the stored lines."
    )


class BulkIn(InSchema):
    records: list[RecordIn]


class LineOut(Schema):
    id: int
    product: str
    category: str
    quantity: int
    price: Decimal | None
    delivered_at: datetime | None
    attributes: dict[str, Any]


class RecordOut(Schema):
    id: int
    kind: str
    external_id: str
    customer_id: int | None
    organization_id: int | None
    title: str
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    delivered_at: datetime | None
    renews_at: datetime | None
    amount: Decimal | None
    currency: str
    attributes: dict[str, Any]
    lines: list[LineOut]
    updated_at: datetime
    outcome: str | None = Field(None, description="On writes: created, updated or unchanged.")


class RecordPage(Schema):
    items: list[RecordOut]
    next_cursor: str | None


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    ids: list[int]


class LinkIn(InSchema):
    record_id: int = Field(..., ge=1)
    line_id: int | None = Field(None, ge=1)


class LinkOut(Schema):
    case_id: int
    record_id: int
    line_id: int | None
    linked_at: datetime


class CheckOut(Schema):
    label: str
    eligible: bool
    reasons: list[str]
    record_id: int | None
    line_id: int | None


class EligibilityOut(Schema):
    applies_to: str
    eligible: bool
    reasons: list[str]
    rules: int
    checks: list[CheckOut]


def present(record: Record, outcome: str | None = None) -> RecordOut:
    return RecordOut(
        id=record.pk,
        kind=record.kind,
        external_id=record.external_id,
        customer_id=record.customer_id,
        organization_id=record.organization_id,
        title=record.title,
        status=record.status,
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        delivered_at=record.delivered_at,
        renews_at=record.renews_at,
        amount=record.amount,
        currency=record.currency,
        attributes=record.attributes or {},
        lines=[
            LineOut(
                id=line.pk,
                product=line.product,
                category=line.category,
                quantity=line.quantity,
                price=line.price,
                delivered_at=line.delivered_at,
                attributes=line.attributes or {},
            )
            for line in record.lines.all()
        ],
        updated_at=record.updated_at,
        outcome=outcome,
    )


def _fresh(pk: int) -> Record:
    return with_lines(Record.objects.filter(pk=pk)).get()


@router.post("", response={200: RecordOut, 201: RecordOut, ERROR_CODES: ErrorOut})
def upsert_record(request: HttpRequest, payload: RecordIn, response: HttpResponse) -> Status[Any]:
    """Create a record, or update the one with the same kind, owner and external id
    (201 created; 200 updated or unchanged)."""
    user = require_staff(request)
    data = payload.model_dump(exclude_unset=True)

    def write() -> tuple[int, RecordOut]:
        done = unprocessable(
            lambda: actions.do_upsert_record(data, actor=user, now=clock.now(), source=Source.API)
        )
        status = 201 if done.outcome == "created" else 200
        return status, present(_fresh(done.record.pk), done.outcome)

    return idempotent(request, response, write)


@router.post("/bulk", response={200: BulkOut, ERROR_CODES: ErrorOut})
def upsert_records(request: HttpRequest, payload: BulkIn, response: HttpResponse) -> Status[Any]:
    """Up to 1,000 records in one request, all or nothing (422 lists every bad row)."""
    user = require_staff(request)
    rows = [r.model_dump(exclude_unset=True) for r in payload.records]

    def write() -> tuple[int, BulkOut]:
        done = unprocessable(
            lambda: actions.do_upsert_records(rows, actor=user, now=clock.now(), source=Source.API)
        )
        counts = {
            o: sum(1 for d in done if d.outcome == o) for o in ("created", "updated", "unchanged")
        }
        return 200, BulkOut(**counts, ids=[d.record.pk for d in done])

    return idempotent(request, response, write)


@router.get("", response={200: RecordPage, ERROR_CODES: ErrorOut})
def list_records(
    request: HttpRequest,
    customer_id: int | None = Query(None, ge=1),
    organization_id: int | None = Query(None, ge=1),
    kind: str | None = Query(None, max_length=32),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
) -> RecordPage:
    """Staff: the records of one customer (with their organization's) or organization.
    Customer tokens: their own records."""
    if is_customer(request):
        rows = records_of_customer(token_customer(request))
    else:
        require_staff(request)
        if customer_id is not None:
            from_customer = Customer.objects.filter(pk=customer_id).first()
            if from_customer is None:
                raise NotFound("No such customer.")
            rows = records_of_customer(from_customer)
        elif organization_id is not None:
            rows = with_lines(Record.objects.filter(organization_id=organization_id))
        else:
            raise ApiError(422, "Give customer_id or organization_id.", code="owner_required")
    if kind:
        rows = rows.filter(kind=kind.lower())
    page = list(rows.filter(after_id(cursor)).order_by("pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return RecordPage(
        items=[present(r) for r in page], next_cursor=id_cursor(page[-1].pk) if more else None
    )


@router.get("/{record_id}", response={200: RecordOut, ERROR_CODES: ErrorOut})
def get_record(request: HttpRequest, record_id: int) -> RecordOut:
    if is_customer(request):
        rows = records_of_customer(token_customer(request))
    else:
        require_staff(request)
        rows = with_lines(Record.objects.all())
    found = rows.filter(pk=record_id).first()
    if found is None:
        raise NotFound("No such record.")
    return present(found)


@case_router.post("/{case_id}/records", response={201: LinkOut, ERROR_CODES: ErrorOut})
def link_record(
    request: HttpRequest, case_id: int, payload: LinkIn, response: HttpResponse
) -> Status[Any]:
    """Say which record (and optionally which line) the case is about."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)

    def write() -> tuple[int, LinkOut]:
        link = unprocessable(
            lambda: actions.do_link_record(
                ticket,
                actor=user,
                record_id=payload.record_id,
                line_id=payload.line_id,
                now=clock.now(),
            )
        )
        return 201, LinkOut(
            case_id=ticket.pk,
            record_id=link.record_id,
            line_id=link.line_id,
            linked_at=link.linked_at,
        )

    return idempotent(request, response, write)


@case_router.get("/{case_id}/eligibility", response={200: EligibilityOut, ERROR_CODES: ErrorOut})
def case_eligibility(
    request: HttpRequest,
    case_id: int,
    applies_to: Literal["return", "exchange", "refund", "exception"] = Query("return"),
) -> EligibilityOut:
    """Would a return, exchange, refund or exception be allowed by the policies' rules for
    the records linked to the case? The same check the promise gate runs."""
    user = api_user(request)
    if user.is_customer:
        require_staff(request)
    ticket = access_ticket(user, case_id)
    outcome = eligibility.check_case(ticket, str(applies_to), now=clock.now())
    return EligibilityOut(
        applies_to=str(applies_to),
        eligible=outcome.eligible,
        reasons=list(outcome.reasons),
        rules=outcome.rules,
        checks=[
            CheckOut(
                label=c.label,
                eligible=c.outcome.eligible,
                reasons=list(c.outcome.reasons),
                record_id=c.record_id,
                line_id=c.line_id,
            )
            for c in outcome.checks
        ],
    )
