"""The honest update when a response target is missed (P14): the customer hears from us
instead of silence.

Called by :func:`caredesk.sla.actions.do_fire_alarms` inside the breach's transaction.
The mail is the admin-editable ``sla_breach_update`` (``caredesk.core.mails``), put in the
outbox in that same transaction (delivered after commit). At most one a case per
calendar day, the day counted in the case's SLA calendar zone (its policy's calendar):
the day's key is claimed with :mod:`caredesk.core.once`, so a retry, a second breach the
same day (first and next response) or two workers at once send one. Never to a case
opened by machine mail, never after staff ended an abusive conversation on it, and only
when the policy asks for it (``breach_update_first_response`` /
``breach_update_next_response``).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.utils import formats, translation

from caredesk.accounts.models import User
from caredesk.core import languages, once
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.sla.models import SlaPolicy
from caredesk.tickets import audit
from caredesk.tickets.models import AuditEvent, Ticket


def _due_text(local_due: datetime, ticket: Ticket) -> str:
    """The promised time in the customer's language (in the policy's zone, as given):
    "03 Dec 2026, 14:00" in English, Django's own format in the others."""
    language = languages.for_context({"ticket": ticket})
    if language == "en":
        return f"{local_due:%d %b %Y, %H:%M}"
    with translation.override(language):
        return str(formats.date_format(local_due, "DATETIME_FORMAT"))


MAIL = "sla_breach_update"
KEY = "sla-breach-update:{ticket}:{day}"
# The audit verb escalations writes when staff end an abusive conversation (P10).
CONVERSATION_ENDED = "conversation_ended"


def wanted(policy: SlaPolicy, kind: str) -> bool:
    if kind == "frt":
        return policy.breach_update_first_response
    if kind == "nrt":
        return policy.breach_update_next_response
    return False


def zone_of(policy: SlaPolicy) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(policy.calendar.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def day_key(ticket_id: int, now: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return KEY.format(ticket=ticket_id, day=now.astimezone(zone).date().isoformat())


def _conversation_ended(ticket: Ticket) -> bool:
    return AuditEvent.objects.filter(ticket=ticket, verb=CONVERSATION_ENDED).exists()


def send_breach_update(
    ticket: Ticket,
    policy: SlaPolicy,
    kind: str,
    due: datetime,
    lead: User | None,
    now: datetime,
) -> OutboundEmail | None:
    """Put the honest update in the outbox if it is due; returns the row (or None)."""
    if not wanted(policy, kind) or ticket.from_machine or _conversation_ended(ticket):
        return None
    address = ticket.customer.primary_email
    if not address:
        return None
    zone = zone_of(policy)
    if not once.claim(day_key(ticket.pk, now, zone), now):
        return None  # one a day
    local_due = due.astimezone(zone)
    context = {
        "ticket": ticket,
        "customer_name": ticket.customer.name,
        "due_words": f"{_due_text(local_due, ticket)} ({zone.key})",
        "lead_name": lead.display_name if lead else "",
        "target": kind,
    }
    row = send_mail(
        MAIL,
        address,
        context,
        now=now,
        kind=OutboundEmail.Kind.NOTICE,
        auto=True,
        case_id=ticket.pk,
        thread=True,
    )
    audit.record(
        ticket,
        None,
        "sla_update_sent",
        now=now,
        field=kind,
        new={"outbox": row.pk if row else None, "to": address},
        note="The customer was sent an honest update on the missed response target.",
    )
    return row
