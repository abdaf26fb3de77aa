"""Offers made and accepted, per offer, in a period (the offers report page and API).

One GROUP BY over ``OfferMade`` on its ``(made_at, offer)`` index: offers are made by
hand or once per mail, a few per resolved case, so the rows stay few.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from caredesk.core.clock import require_aware
from caredesk.offers.models import OfferMade, Outcome


@dataclass(frozen=True)
class OfferRow:
    offer_id: int
    name: str
    kind: str
    made: int
    accepted: int
    declined: int
    pending: int

    @property
    def accept_percent(self) -> int | None:
        return round(100 * self.accepted / self.made) if self.made else None


def offer_report(since: datetime, until: datetime) -> list[OfferRow]:
    require_aware(since, "since")
    require_aware(until, "until")
    if until <= since:
        raise ValueError("the period must end after it starts")
    rows = (
        OfferMade.objects.filter(made_at__gte=since, made_at__lt=until)
        .values("offer_id", "offer__name", "offer__kind")
        .annotate(
            made=Count("id"),
            accepted=Count("id", filter=Q(outcome=Outcome.ACCEPTED)),
            declined=Count("id", filter=Q(outcome=Outcome.DECLINED)),
            pending=Count("id", filter=Q(outcome=Outcome.PENDING)),
        )
        .order_by("offer__name")
    )
    return [
        OfferRow(
            offer_id=r["offer_id"],
            name=r["offer__name"],
            kind=r["offer__kind"],
            made=r["made"],
            accepted=r["accepted"],
            declined=r["declined"],
            pending=r["pending"],
        )
        for r in rows
    ]
