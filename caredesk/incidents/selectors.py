"""Reads the incident pages, the API and the portal share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from caredesk.customers.models import Customer
from caredesk.incidents.models import (
    Affected,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    LinkedCase,
)
from caredesk.tickets.models import OPEN_STATUSES, Status, Ticket

PAGE = 50


def incidents(status: str = "") -> QuerySet[Incident]:
    found = Incident.objects.select_related("declared_by", "resolved_by")
    if status in IncidentStatus.values:
        found = found.filter(status=status)
    return found.order_by("-declared_at", "-id")


def updates(incident: Incident) -> list[IncidentUpdate]:
    return list(incident.updates.select_related("posted_by").order_by("-posted_at", "-id"))


def audience_page(incident: Incident, after: int = 0, limit: int = PAGE) -> list[Customer]:
    ids = (
        Affected.objects.filter(incident=incident, customer_id__gt=after)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:limit]
    )
    return list(
        Customer.objects.filter(pk__in=list(ids)).select_related("organization").order_by("pk")
    )


def linked_cases(incident: Incident, limit: int = 200) -> list[Ticket]:
    ids = LinkedCase.objects.filter(incident=incident).values("ticket_id")
    return list(
        Ticket.objects.filter(pk__in=ids).select_related("customer").order_by("-created_at")[:limit]
    )


def open_linked_count(incident: Incident) -> int:
    return Ticket.objects.filter(
        pk__in=LinkedCase.objects.filter(incident=incident).values("ticket_id"),
        status__in=[*OPEN_STATUSES, Status.RESOLVED],
    ).count()


@dataclass(frozen=True)
class Banner:
    incident: Incident
    latest: IncidentUpdate | None


def banners_for(customer_id: int, limit: int = 3) -> list[Banner]:
    """The open incidents that affect this customer, newest first, with their latest
    update: the portal banner (two queries)."""
    found = list(
        Incident.objects.filter(
            status=IncidentStatus.OPEN, affected__customer_id=customer_id
        ).order_by("-declared_at", "-id")[:limit]
    )
    if not found:
        return []
    latest: dict[int, IncidentUpdate] = {}
    for update in IncidentUpdate.objects.filter(incident__in=found).order_by("posted_at", "id"):
        latest[update.incident_id] = update
    return [Banner(i, latest.get(i.pk)) for i in found]


RULE_LABELS = {
    "organizations": "Organizations",
    "tiers": "Tiers",
    "tags": "Case tags",
    "products": "Products",
    "record_kind": "Record kind",
    "record_attributes": "Record attributes",
    "listed_customers": "Customers listed or uploaded",
}


def describe_rule(rule: dict[str, object]) -> list[tuple[str, str]]:
    """How the audience was chosen, as (label, text) lines for the incident page."""
    lines = []
    for key, value in rule.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        lines.append((RULE_LABELS.get(key, key), text))
    return lines
