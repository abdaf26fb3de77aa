"""Erasing personal content while the shape of what happened stays.

What goes: names, addresses, subjects, message bodies, attachments, notes, record
details, the free text other apps declared (``parts``), raw mail. What stays: the rows
themselves with their times, statuses, teams, assignees, counts and amounts, so reports
and the daily aggregates still add up, and every audit event with its actor, verb, field
and time — only the values of fields that can carry personal content are blanked.

The audit log and the event log are append-only for every other purpose; erasure is the
one rewrite they allow (ADR 0027), done here with ``QuerySet.update``.

Call inside the action's transaction (``actions.do_erase_customer``, the retention job).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import JSONField, Q

from caredesk.core.models import (
    AutoReplyLog,
    EmailLink,
    Event,
    Notification,
    OutboundEmail,
    OutboundState,
)
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.privacy import parts
from caredesk.privacy.models import ErasedCase
from caredesk.records.models import Record, RecordLine
from caredesk.tickets.models import Attachment, AuditEvent, Message, SearchEntry, Ticket

ERASED = "[erased]"
ERASED_CUSTOMER = "Erased customer"
# Audit fields whose values are settings of the case, never personal content.
SAFE_AUDIT_FIELDS = frozenset(
    {"status", "priority", "team", "assignee", "channel", "sla_policy", "resolution_outcome"}
)


def erase_cases(
    case_ids: Sequence[int],
    *,
    now: datetime,
    reason: str,
    customer_labels: Sequence[str] = (),
) -> Counter[str]:
    """Blank the personal content of these cases; returns rows changed per kind."""
    changed: Counter[str] = Counter()
    ids = list(case_ids)
    if not ids:
        return changed
    changed["cases"] = Ticket.objects.filter(pk__in=ids).update(
        subject=ERASED, original_request=ERASED
    )
    # Messages merged into another case keep their origin: the customer's words go too.
    messages = Message.objects.filter(Q(ticket_id__in=ids) | Q(origin_ticket_id__in=ids))
    message_ids = list(messages.values_list("pk", flat=True))
    changed["messages"] = Message.objects.filter(pk__in=message_ids).update(
        body=ERASED, body_html="", cc=[], bcc=[]
    )
    changed["attachments"] = _delete_attachments(message_ids)
    SearchEntry.objects.filter(Q(ticket_id__in=ids) | Q(message_id__in=message_ids)).update(
        content=""
    )
    changed["audit events"] = _scrub_audit(ids, customer_labels)
    changed["mail links"] = EmailLink.objects.filter(ticket_id__in=ids).update(
        from_address="", quoted_text="", signature="", references="", in_reply_to=""
    )
    changed["notifications"] = Notification.objects.filter(ticket_id__in=ids).update(
        subject="A case whose personal content was erased", body=""
    )
    changed["mails"] = _erase_mails(Q(ticket_id__in=ids))
    for text in parts.case_text_parts():
        changed[text.model._meta.label] += text.model._default_manager.filter(
            **{f"{text.lookup}__in": ids}
        ).update(**{name: _blank(text.model, name) for name in text.fields})
    ErasedCase.objects.bulk_create(
        [ErasedCase(ticket_id=pk, reason=reason, erased_at=now) for pk in ids],
        ignore_conflicts=True,
    )
    return changed


def erase_customer(customer: Customer, *, now: datetime) -> Counter[str]:
    """Everything of one customer: their cases (as :func:`erase_cases`), their profile,
    addresses, portal account, records and what other apps declared."""
    addresses = [i.value for i in customer.identities.all()]
    labels = [customer.name]
    case_ids = list(Ticket.objects.filter(customer=customer).values_list("pk", flat=True))
    changed = erase_cases(
        case_ids, now=now, reason=ErasedCase.Reason.REQUEST, customer_labels=labels
    )
    for part in parts.module_parts():
        changed[part.NAME] += part.erase(customer, case_ids)
    changed["mails"] += _erase_mails(Q(to__in=addresses)) if addresses else 0
    AutoReplyLog.objects.filter(address__in=addresses).delete()
    changed["events"] = _scrub_events(_customer_events(customer, addresses), labels)
    changed["addresses"] = ContactIdentity.objects.filter(customer=customer).delete()[0]
    records = Record.objects.filter(customer=customer)
    RecordLine.objects.filter(record__in=records).update(product=ERASED, attributes={})
    changed["records"] = 0
    for record in records.only("pk"):
        changed["records"] += Record.objects.filter(pk=record.pk).update(
            title="", external_id=f"erased-{record.pk}", attributes={}
        )
    for text in parts.customer_text_parts():
        changed[text.model._meta.label] += text.model._default_manager.filter(
            **{text.lookup: customer.pk}
        ).update(**{name: _blank(text.model, name) for name in text.fields})
    user = customer.user
    if user is not None:
        user.email = f"erased-customer-{customer.pk}@invalid"
        user.name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "name", "is_active", "password"])
        changed["portal accounts"] = 1
    Customer.objects.filter(pk=customer.pk).update(name=ERASED_CUSTOMER, notes="", language="")
    return changed


def _blank(model: Any, name: str) -> Any:
    field = model._meta.get_field(name)
    if isinstance(field, JSONField):
        return {}
    return "" if field.blank else ERASED


def _delete_attachments(message_ids: Sequence[int]) -> int:
    rows = list(Attachment.objects.filter(message_id__in=message_ids))
    for row in rows:
        row.file.delete(save=False)
    Attachment.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def _erase_mails(where: Q) -> int:
    mails = OutboundEmail.objects.filter(where)
    # A mail still waiting must not go out as "[erased]": it is not sent at all.
    mails.filter(
        state__in=[OutboundState.QUEUED, OutboundState.RETRYING, OutboundState.SENDING]
    ).update(state=OutboundState.SUPPRESSED, last_error="Not sent: the customer's data was erased.")
    return mails.update(
        to="erased@invalid", cc=[], bcc=[], subject=ERASED, text=ERASED, html="", headers={}
    )


def _scrub_audit(case_ids: Sequence[int], customer_labels: Sequence[str]) -> int:
    rows = AuditEvent.objects.filter(ticket_id__in=case_ids)
    count = rows.exclude(field__in=SAFE_AUDIT_FIELDS).update(old_value=None, new_value=None)
    rows.update(note="")
    rows.filter(actor_kind=AuditEvent.ActorKind.CUSTOMER).update(actor_label=ERASED_CUSTOMER)
    if customer_labels:
        rows.filter(actor_label__in=customer_labels).update(actor_label=ERASED_CUSTOMER)
    _scrub_events(Event.objects.filter(ticket_id__in=case_ids), customer_labels)
    return count


def _scrub_events(events: Any, customer_labels: Sequence[str]) -> int:
    """Drop the personal content of event-log rows, keeping their kind, time, actor id
    and the ids in their values (the log's shape: who did what)."""
    count = 0
    for event in events.only("pk", "data", "actor_label"):
        count += 1
        data = dict(event.data or {})
        if data.get("field") not in SAFE_AUDIT_FIELDS:
            data["old"] = None
            data["new"] = _ids_only(data.get("new"))
        data["note"] = ""
        label = ERASED_CUSTOMER if data.get("actor_kind") == "customer" else event.actor_label
        if event.actor_label in customer_labels:
            label = ERASED_CUSTOMER
        Event.objects.filter(pk=event.pk).update(data=data, actor_label=label)
    return count


def _customer_events(customer: Customer, addresses: Sequence[str]) -> Any:
    """Event-log rows about the customer that no case ties to them: what they did
    themselves (self-service, offers, their profile), and changes whose values name one
    of their addresses (a profile or identity change, a request's payload)."""
    about = Q(actor_id=customer.user_id) if customer.user_id is not None else Q(pk__in=[])
    for address in addresses:
        about |= Q(data__icontains=address)
    return Event.objects.filter(about, ticket_id__isnull=True)


def _ids_only(value: Any) -> Any:
    """Keep the ids in an event's value (``{"message": 12}``), drop any text."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(v, int | bool)}
    return value if isinstance(value, int | bool) else None
