"""Reads that the portal and the API share. A customer reaches only their own requests
and the records they own (or their organization owns): anything else is 404."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from caredesk.core.errors import NotFound
from caredesk.customers.models import Customer
from caredesk.offers.models import Offer, OfferKind
from caredesk.offers.selectors import offers_for
from caredesk.policies.eligibility import Outcome, check
from caredesk.records.models import Record, RecordLine
from caredesk.records.selectors import MAX_SHOWN, records_of_customer
from caredesk.selfservice.models import Kind, RequestType, SelfServiceRequest

CANCELLED = ("cancelled", "canceled", "ended")


def active_types() -> list[RequestType]:
    return list(RequestType.objects.filter(is_active=True).order_by("name"))


def active_type(type_id: int) -> RequestType:
    rt = RequestType.objects.select_related("policy").filter(pk=type_id, is_active=True).first()
    if rt is None:
        raise NotFound("No such self-service request.", code="unknown_type")
    return rt


def records_for(rt: RequestType, customer: Customer) -> list[Record]:
    """The customer's records this type applies to (own and organization's), newest first."""
    if not rt.record_kinds:
        return []
    return list(records_of_customer(customer).filter(kind__in=rt.record_kinds)[:MAX_SHOWN])


def customer_record(customer: Customer, record_id: int) -> Record:
    record = records_of_customer(customer).filter(pk=record_id).first()
    if record is None:
        raise NotFound("No such record of yours.", code="unknown_record")
    return record


def record_line(record: Record, line_id: int) -> RecordLine:
    line = RecordLine.objects.filter(pk=line_id, record=record).first()
    if line is None:
        raise NotFound("That line is not part of this record.", code="unknown_line")
    return line


def eligibility(
    rt: RequestType, record: Record | None, line: RecordLine | None, now: datetime
) -> Outcome:
    """The rules of the type's policy against the record (and line): eligible when the
    type names no policy, or its policy is switched off."""
    if rt.policy is None or not rt.policy.is_active:
        return Outcome(True)
    return check(rt.policy, record, line, now=now)


def retention_offer(rt: RequestType, customer: Customer, now: datetime) -> Offer | None:
    """One retention offer for the cancel page, only through the P4 lock
    (``offers_for``: nothing while locked) and never one made to the customer before."""
    if not rt.offer_retention or rt.kind != Kind.CANCEL_SUBSCRIPTION:
        return None
    view = offers_for(customer, now)
    if not view.unlocked:
        return None
    return next((o for o in view.available if o.kind == OfferKind.RETENTION), None)


def requests_of(customer: Customer) -> QuerySet[SelfServiceRequest]:
    return SelfServiceRequest.objects.filter(customer=customer).select_related(
        "type", "record", "line"
    )


def request_of(customer: Customer, request_id: int) -> SelfServiceRequest:
    found = requests_of(customer).filter(pk=request_id).first()
    if found is None:
        raise NotFound("No such self-service request.")
    return found


def case_prefill(
    customer: Customer, type_id: int, record_id: int | None, line_id: int | None, now: datetime
) -> dict[str, str]:
    """Subject and first words of a case about a request the rules refused ("talk to
    someone"); empty when the type or record is not the customer's."""
    try:
        rt = active_type(type_id)
        record = customer_record(customer, record_id) if record_id else None
        line = record_line(record, line_id) if record is not None and line_id else None
    except NotFound:
        return {}
    about = f" — {record.label}" if record is not None else ""
    product = f" · {line.product}" if line is not None else ""
    outcome = eligibility(rt, record, line, now)
    said = f"\n\nThe portal said: {outcome.reason}" if not outcome.eligible else ""
    return {
        "subject": f"{rt.name}{about}{product}"[:200],
        "body": f"I asked for this in the portal: {rt.name}{about}{product}.{said}\n\n",
    }
