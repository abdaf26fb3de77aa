"""How the email channel follows case changes (reactions, docs/adr/0007): merges
(``case.merged``) and an agent's reply with Cc (``message.added``).

When both cases have the same customer, the source's email participants (CC'd people,
earlier senders) take part in the target too, so they may write on it directly. Across
customers they stay on the source only: their mail still follows its pointer and stays
hidden from the target's customer (docs/adr/0025-merge-split-links.md).
"""

from __future__ import annotations

from caredesk.channels.email.models import CaseParticipant
from caredesk.core.events import Emitted
from caredesk.customers.models import ContactIdentity
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


def cc_become_participants(group: list[Emitted]) -> None:
    """An agent's reply with Cc (``message.added`` with ``cc``): each Cc'd address takes
    part in the case by email, so its answers land on the case (docs/replies.md). Bcc'd
    addresses do not: nobody else knows they got the mail."""
    for e in group:
        ticket, new = e.subject, e.event.data.get("new")
        if not isinstance(ticket, Ticket) or not isinstance(new, dict):
            continue
        cc = [a for a in new.get("cc") or () if isinstance(a, str) and a]
        if not cc:
            continue
        known = set(
            CaseParticipant.objects.filter(ticket_id=ticket.pk, address__in=cc).values_list(
                "address", flat=True
            )
        )
        customers = {
            i.value: i.customer_id
            for i in ContactIdentity.objects.filter(
                kind=ContactIdentity.Kind.EMAIL, value__in=[a for a in cc if a not in known]
            )
        }
        CaseParticipant.objects.bulk_create(
            [
                CaseParticipant(
                    ticket_id=ticket.pk,
                    address=address,
                    customer_id=customers.get(address),
                    role="cc",
                    created_at=e.event.created_at,
                )
                for address in dict.fromkeys(cc)
                if address not in known
            ],
            ignore_conflicts=True,
        )
