"""Which offers a customer may get (besides the lock): by segment, tier, organization and
case tags, and the offer's active window.

Every criterion an offer sets must match (any one of its values); an unset criterion
matches everyone. **Extension point:** ``settings.CAREDESK_OFFER_ELIGIBILITY_RULES`` is
a list of dotted paths to functions ``rule(offer, customer, now) -> str | None``
returning why the customer is not eligible (None: no objection). Rules about the
customer's records (an active subscription, an order in the last 90 days) plug in there
when records exist, without changing this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string

from caredesk.customers.models import Customer
from caredesk.offers.models import Offer, Segment
from caredesk.tickets.models import Tag

Rule = Callable[[Offer, Customer, datetime], "str | None"]


@cache
def _rules(paths: tuple[str, ...]) -> list[Rule]:
    return [import_string(p) for p in paths]


def extra_rules() -> list[Rule]:
    return _rules(tuple(getattr(settings, "CAREDESK_OFFER_ELIGIBILITY_RULES", ())))


class Facts:
    """What eligibility reads about a customer, read once for all offers."""

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self.tier = customer.tier
        self.organization_id = customer.organization_id
        self.segment_ids = set(
            Segment.objects.filter(customers=customer).values_list("pk", flat=True)
        )
        self.tag_ids = set(
            Tag.objects.filter(tickets__customer=customer).values_list("pk", flat=True)
        )


def why_not(offer: Offer, facts: Facts, now: datetime) -> str | None:
    """Why ``offer`` is not for this customer now (None: it is)."""
    if not offer.is_running(now):
        return f"{offer.name} is not running now."
    if offer.tiers and facts.tier not in offer.tiers:
        return f"{offer.name} is for the {', '.join(offer.tiers)} tier(s) only."
    org_ids = {o.pk for o in offer.organizations.all()}
    if org_ids and facts.organization_id not in org_ids:
        return f"{offer.name} is for certain organizations only."
    segment_ids = {s.pk for s in offer.segments.all()}
    if segment_ids and not segment_ids & facts.segment_ids:
        return f"{offer.name} is for certain customer segments only."
    tag_ids = {t.pk for t in offer.tags.all()}
    if tag_ids and not tag_ids & facts.tag_ids:
        return f"{offer.name} is for customers with certain kinds of case only."
    for rule in extra_rules():
        reason = rule(offer, facts.customer, now)
        if reason:
            return reason
    return None


def running_offers(now: datetime) -> Iterable[Offer]:
    return (
        Offer.objects.filter(is_active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .prefetch_related("organizations", "segments", "tags")
        .order_by("name")
    )


def eligible_offers(customer: Customer, now: datetime) -> list[Offer]:
    """The running offers this customer is eligible for (the lock is checked apart)."""
    facts = Facts(customer)
    return [o for o in running_offers(now) if why_not(o, facts, now) is None]


def check(offer: Offer, customer: Customer, now: datetime) -> str | None:
    return why_not(offer, Facts(customer), now)
