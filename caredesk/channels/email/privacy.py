"""The email channel's part of a privacy request (``CAREDESK_PRIVACY_PARTS``): the raw
mail as it arrived, the case participants' addresses and the bounces about them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from caredesk.channels.email.models import Bounce, CaseParticipant, RawMessage
from caredesk.customers.models import Customer

NAME = "email"


def _raw(customer: Customer, case_ids: Sequence[int]) -> Any:
    return RawMessage.objects.filter(ticket_id__in=case_ids)


def _addresses(customer: Customer) -> list[str]:
    return [i.value for i in customer.identities.all()]


def export(customer: Customer, case_ids: Sequence[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "raw_mail": {
                "message_id": r.rfc_message_id,
                "received_at": r.received_at,
                "size": r.size,
                "source": bytes(r.raw).decode("utf-8", errors="replace"),
            }
        }
        for r in _raw(customer, case_ids)
    ]
    rows += [
        {"participant": {"case": p.ticket_id, "address": p.address, "role": p.role}}
        for p in CaseParticipant.objects.filter(ticket_id__in=case_ids)
    ]
    rows += [
        {"bounce": {"address": b.address, "at": b.created_at, "diagnostic": b.diagnostic}}
        for b in Bounce.objects.filter(Q(customer=customer) | Q(address__in=_addresses(customer)))
    ]
    return rows


def erase(customer: Customer, case_ids: Sequence[int]) -> int:
    changed = _raw(customer, case_ids).update(raw=b"", truncated=True, error="")
    changed += Bounce.objects.filter(
        Q(customer=customer) | Q(address__in=_addresses(customer))
    ).update(address="erased@invalid", diagnostic="")
    changed += CaseParticipant.objects.filter(ticket_id__in=case_ids).delete()[0]
    return changed
