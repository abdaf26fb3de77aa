"""Every change to an incident goes through one of these functions (house rule 1).

Each runs in one transaction and appends an audited event (``incident.declared``,
``incident.updated``, ``incident.resolved``, ``incident.case_linked``,
``incident.unsubscribed``, ``incident.cases_closed``) that the webhooks deliver. The
mail to the affected customers is fanned out by a background task after commit
(:mod:`caredesk.incidents.fanout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import audit, languages
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.text import clean_body, clean_line
from caredesk.customers.models import Customer
from caredesk.incidents import audience, tasks
from caredesk.incidents.models import (
    MAX_TEXT,
    MAX_TITLE,
    Affected,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    LinkedCase,
    OptOut,
)
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit as ticket_audit
from caredesk.tickets import tasks as ticket_tasks
from caredesk.tickets.models import OPEN_STATUSES, Status, Ticket

BATCH = 2000


def may_declare(user: User | None) -> bool:
    """Leads, managers and admins declare, update and resolve incidents; agents view."""
    return bool(user is not None and user.is_agent_staff and user.level >= ROLE_LEVEL[Role.LEAD])


def _require_lead(actor: User) -> None:
    if not may_declare(actor):
        raise PermissionDenied(
            gettext("Only leads, managers and admins can do this with incidents.")
        )


def _text(body: str, field: str) -> str:
    return clean_body(body or "", max_chars=MAX_TEXT, field=field)


@dataclass(frozen=True)
class Declared:
    incident: Incident
    update: IncidentUpdate


def do_declare_incident(
    *,
    actor: User,
    title: str,
    public_text: str,
    rule: audience.Rule,
    now: datetime,
) -> Declared:
    """Declare an incident for the customers ``rule`` picks and tell each of them (the
    declaration is the first, essential, update). An empty audience is refused."""
    require_aware(now, "now")
    _require_lead(actor)
    title = clean_line(title or "", max_chars=MAX_TITLE, field="title")
    public_text = _text(public_text, "customer-facing text")
    with transaction.atomic():
        ids = audience.customer_ids(rule)
        if not ids:
            raise DomainError(
                gettext(
                    "Nobody is affected: the audience you chose matches no customer. "
                    "Choose organizations, tiers, tags, records or a list of customers."
                ),
                code="empty_audience",
            )
        incident = Incident.objects.create(
            title=title,
            public_text=public_text,
            audience_rule=rule.describe(),
            audience_count=len(ids),
            declared_by=actor,
            declared_at=now,
        )
        Affected.objects.bulk_create(
            [Affected(incident=incident, customer_id=pk) for pk in ids], batch_size=BATCH
        )
        update = IncidentUpdate.objects.create(
            incident=incident, body=public_text, essential=True, posted_by=actor, posted_at=now
        )
        audit.record(
            "incident.declared",
            actor=actor,
            now=now,
            field="incident",
            new={"incident": incident.pk, "title": title, "customers": len(ids)},
        )
    enqueue_after_commit(tasks.fan_out_update, update.pk)
    return Declared(incident, update)


def _locked_open(incident_id: int) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if not incident.is_open:
        raise Conflict("This incident is resolved; it takes no more updates.", code="resolved")
    return incident


def do_post_update(
    incident: Incident, *, actor: User, body: str, essential: bool, now: datetime
) -> IncidentUpdate:
    """A new update for every affected customer. Non-essential ones skip customers who
    unsubscribed from incident updates."""
    require_aware(now, "now")
    _require_lead(actor)
    body = _text(body, "update")
    with transaction.atomic():
        incident = _locked_open(incident.pk)
        update = IncidentUpdate.objects.create(
            incident=incident, body=body, essential=essential, posted_by=actor, posted_at=now
        )
        audit.record(
            "incident.updated",
            actor=actor,
            now=now,
            field="incident",
            new={"incident": incident.pk, "update": update.pk, "essential": essential},
        )
    enqueue_after_commit(tasks.fan_out_update, update.pk)
    return update


def do_resolve_incident(
    incident: Incident, *, actor: User, body: str, now: datetime
) -> IncidentUpdate:
    """Resolve the incident and tell every affected customer (an essential update)."""
    require_aware(now, "now")
    _require_lead(actor)
    body = _text(body, "resolution text")
    with transaction.atomic():
        incident = _locked_open(incident.pk)
        incident.status = IncidentStatus.RESOLVED
        incident.resolved_at = now
        incident.resolved_by = actor
        incident.save(update_fields=["status", "resolved_at", "resolved_by"])
        update = IncidentUpdate.objects.create(
            incident=incident,
            body=body,
            essential=True,
            is_resolution=True,
            posted_by=actor,
            posted_at=now,
        )
        audit.record(
            "incident.resolved",
            actor=actor,
            now=now,
            field="status",
            old=IncidentStatus.OPEN,
            new={"incident": incident.pk, "update": update.pk},
        )
    enqueue_after_commit(tasks.fan_out_update, update.pk)
    return update


def do_close_linked_cases(incident: Incident, *, actor: User, now: datetime) -> list[Ticket]:
    """After the resolution: close every linked case that is still open, each through
    the case action (its own audit line). Only for a resolved incident."""
    require_aware(now, "now")
    _require_lead(actor)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.is_open:
            raise Conflict(
                "Resolve the incident first; then its cases can be closed.", code="still_open"
            )
        tickets = list(
            Ticket.objects.filter(
                pk__in=LinkedCase.objects.filter(incident=incident).values("ticket_id"),
                status__in=[*OPEN_STATUSES, Status.RESOLVED],
            ).order_by("pk")
        )
        closed = [
            ticket_actions.do_change_status(t, actor=actor, status=Status.CLOSED, now=now)
            for t in tickets
        ]
        audit.record(
            "incident.cases_closed",
            actor=actor,
            now=now,
            field="cases",
            new={"incident": incident.pk, "cases": [t.pk for t in closed]},
        )
    return closed


def do_unsubscribe(customer: Customer, *, now: datetime) -> bool:
    """The customer gets only essential incident updates from now on. True if it changed."""
    require_aware(now, "now")
    with transaction.atomic():
        _, created = OptOut.objects.get_or_create(customer=customer, defaults={"created_at": now})
        if created:
            audit.record(
                "incident.unsubscribed",
                actor=None,
                now=now,
                field="customer",
                new={"customer": customer.pk},
                note="The customer unsubscribed from non-essential incident updates.",
            )
    return created


def mails_per_minute() -> int:
    return int(settings.CAREDESK_INCIDENT_MAILS_PER_MINUTE)


def _answer(incident: Incident, update: IncidentUpdate | None, ticket: Ticket) -> str:
    """The answer in the customer's language (docs/languages.md)."""
    latest = update.body if update is not None else incident.public_text
    with translation.override(languages.for_context({"ticket": ticket})):
        return render_to_string(
            "incidents/case_answer.txt", {"incident": incident, "latest": latest}
        ).strip()


def do_link_new_cases(new: list[Ticket], *, now: datetime) -> list[LinkedCase]:
    """Link each new case of an affected customer to the open incident affecting them,
    and answer it with the latest update (a public reply by caredesk, audited on the
    case). Call inside the transaction that opened the cases. One query when no open
    incident affects their customers (every case creation pays it)."""
    require_aware(now, "now")
    tickets = [t for t in new if not t.from_machine]
    if not tickets:
        return []
    customer_ids = {t.customer_id for t in tickets}
    incident_of: dict[int, int] = {}
    for customer_id, incident_id in (
        Affected.objects.filter(customer_id__in=customer_ids, incident__status=IncidentStatus.OPEN)
        .order_by("incident__declared_at", "incident_id")
        .values_list("customer_id", "incident_id")
    ):
        incident_of[customer_id] = incident_id  # the latest declared wins
    if not incident_of:
        return []
    already = set(
        LinkedCase.objects.filter(ticket_id__in=[t.pk for t in tickets]).values_list(
            "ticket_id", flat=True
        )
    )
    incidents = Incident.objects.in_bulk(set(incident_of.values()))
    latest: dict[int, IncidentUpdate] = {}
    for update in IncidentUpdate.objects.filter(incident_id__in=incidents).order_by(
        "posted_at", "id"
    ):
        latest[update.incident_id] = update
    linked: list[LinkedCase] = []
    with transaction.atomic():
        for ticket in tickets:
            found = incident_of.get(ticket.customer_id)
            if found is None or ticket.pk in already:
                continue
            incident = incidents[found]
            message = ticket_actions.do_post_system_reply(
                ticket, body=_answer(incident, latest.get(found), ticket), now=now
            )
            link = LinkedCase.objects.create(
                incident=incident, ticket=ticket, linked_at=now, answer_message_id=message.pk
            )
            linked.append(link)
            ticket_audit.record(
                ticket,
                None,
                "incident_linked",
                now=now,
                field="incident",
                new={"incident": incident.pk, "title": incident.title, "message": message.pk},
                note=f"Linked to the incident {incident.title!r}; answered with its latest update.",
                public=True,
            )
            enqueue_after_commit(ticket_tasks.send_reply_to_customer, message.pk)
    return linked
