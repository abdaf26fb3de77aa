"""How the email channel follows merges: a reaction to ``case.merged`` (docs/adr/0007).

When both cases have the same customer, the source's email participants (CC'd people,
earlier senders) take part in the target too, so they may write on it directly. Across
customers they stay on the source only: their mail still follows its pointer and stays
hidden from the target's customer (docs/adr/0025-merge-split-links.md).
"""

from __future__ import annotations

from caredesk.channels.email.models import CaseParticipant
from caredesk.core.events import Emitted
from caredesk.tickets.models import Ticket


def follow_merges(group: list[Emitted]) -> None:
    for e in group:
        source, new = e.subject, e.event.data.get("new")
        if not isinstance(source, Ticket) or not isinstance(new, dict):
            continue
        target_id = (new.get("target") or {}).get("id")
        if not isinstance(target_id, int) or new.get("across_customers"):
            continue
        known = set(
            CaseParticipant.objects.filter(ticket_id=target_id).values_list("address", flat=True)
        )
        CaseParticipant.objects.bulk_create(
            CaseParticipant(
                ticket_id=target_id,
                address=p.address,
                customer_id=p.customer_id,
                role=p.role,
                created_at=e.event.created_at,
            )
            for p in CaseParticipant.objects.filter(ticket_id=source.pk)
            if p.address not in known
        )
