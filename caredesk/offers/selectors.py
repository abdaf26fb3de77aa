"""What each surface shows: the lock first, then the offers (nothing while locked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from caredesk.customers.models import Customer
from caredesk.offers import eligibility
from caredesk.offers.lock import lock_state
from caredesk.offers.models import Offer, OfferMade, Outcome


@dataclass
class OfferView:
    """The offers a surface may show a customer's case: empty while locked."""

    unlocked: bool
    lock: str  # machine code of the lock ("" when unlocked)
    reason: str
    available: list[Offer] = field(default_factory=list)  # eligible, never made to them
    pending: list[OfferMade] = field(default_factory=list)  # made, waiting for an answer


def offers_for(customer: Customer, now: datetime) -> OfferView:
    unlocked, code, reason = lock_state(customer, now)
    if not unlocked:
        return OfferView(False, code, reason)
    eligible = eligibility.eligible_offers(customer, now)
    pending = list(
        OfferMade.objects.filter(
            customer=customer, outcome=Outcome.PENDING, offer__in=[o.pk for o in eligible]
        )
        .select_related("offer", "made_by")
        .order_by("-made_at")
    )
    # An offer goes to a customer once: made before (answered or not), it is not offered
    # again, and a "no, thanks" is respected.
    made_before = set(
        OfferMade.objects.filter(customer=customer, offer__in=[o.pk for o in eligible]).values_list(
            "offer_id", flat=True
        )
    )
    available = [o for o in eligible if o.pk not in made_before]
    return OfferView(True, "", reason, available, pending)


def history(customer: Customer, limit: int = 10) -> list[OfferMade]:
    """The offers made to the customer, newest first (staff see them even when locked:
    they are what was said, not a new offer)."""
    return list(
        OfferMade.objects.filter(customer=customer)
        .select_related("offer", "made_by", "ticket")
        .order_by("-made_at", "-id")[:limit]
    )
