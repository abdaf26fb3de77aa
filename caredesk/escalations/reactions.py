"""How escalations follow the other apps: a missed SLA target or a missed promise gives
the case an owner and a decision deadline (P8), moving up a level if nobody answers.

Wired in ``settings.CAREDESK_EVENT_REACTIONS`` for ``sla.breached`` and
``promise.missed``; it runs inside the transaction that recorded the miss, holding the
case row. :func:`~caredesk.escalations.actions.do_escalate` is idempotent: a case with an
open escalation gets the miss logged on it instead of a second escalation.
"""

from __future__ import annotations

from typing import Any

from caredesk.accounts.models import Role
from caredesk.core.events import Emitted
from caredesk.escalations.actions import do_escalate
from caredesk.escalations.models import EscalationSource
from caredesk.tickets.models import Ticket

KINDS = ("sla.breached", "promise.missed")


def _value(values: Any, key: str) -> str:
    return str(values.get(key) or "") if isinstance(values, dict) else ""


def escalate_misses(group: list[Emitted]) -> None:
    for e in group:
        ticket = e.subject
        if not isinstance(ticket, Ticket):
            if e.event.ticket_id is None:
                continue
            ticket = Ticket.objects.select_for_update().filter(pk=e.event.ticket_id).first()
            if ticket is None:
                continue
        data = e.event.data
        if e.kind == "sla.breached":
            source = EscalationSource.SLA_BREACH
            reason = (
                f"The {_value(data.get('new'), 'target') or 'service-level'} target was missed."
            )
        else:
            source = EscalationSource.MISSED_PROMISE
            text = _value(data.get("old"), "promise")
            reason = f"A promise to the customer was missed: {text}"[:5000]
        do_escalate(
            ticket,
            actor=None,
            source=source,
            reason=reason,
            now=e.event.created_at,
            level=Role.LEAD,
        )
