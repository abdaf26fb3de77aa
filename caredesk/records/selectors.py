"""Reads of customer records that pages and the API share."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from caredesk.customers.models import Customer
from caredesk.records.models import CaseRecordLink, Record, RecordLine
from caredesk.tickets.models import Ticket

MAX_SHOWN = 50


def with_lines(qs: QuerySet[Record]) -> QuerySet[Record]:
    return qs.prefetch_related(Prefetch("lines", queryset=RecordLine.objects.order_by("position")))


def records_of_customer(customer: Customer) -> QuerySet[Record]:
    """The customer's own records and their organization's, newest first."""
    owner = Q(customer=customer)
    if customer.organization_id is not None:
        owner |= Q(organization_id=customer.organization_id)
    return with_lines(Record.objects.filter(owner)).order_by("-created_at", "-id")


def records_for_case(ticket: Ticket) -> list[Record]:
    return list(records_of_customer(ticket.customer)[:MAX_SHOWN])


def case_links(ticket: Ticket) -> list[CaseRecordLink]:
    return list(
        CaseRecordLink.objects.filter(ticket=ticket)
        .select_related("record", "line", "linked_by")
        .prefetch_related(
            Prefetch("record__lines", queryset=RecordLine.objects.order_by("position"))
        )
    )
