"""The demo's self-service (P15, seed 004): the gym cancellation that took an hour and
three people is one confirmation here. Tom's Brightside Fit membership (FIT-5521, from
the policies demo) can be cancelled from the portal's *Do it yourself*; a return of an
order line checks the returns policy (Gerald's shower seat is refused with its reason).
Idempotent: a second load reuses what is there (every write goes through the actions)."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.offers.actions import do_save_offer
from caredesk.offers.models import Offer, OfferKind
from caredesk.policies.models import Policy
from caredesk.selfservice.actions import do_save_request_type
from caredesk.selfservice.models import Kind, RequestType

CANCEL = "Cancel my membership"
RETURN = "Return an item"
RETENTION = "Stay with a lighter plan"


def ensure_selfservice(admin: User, now: datetime) -> None:
    if not Offer.objects.filter(name=RETENTION).exists():
        do_save_offer(
            Offer(
                name=RETENTION,
                kind=OfferKind.RETENTION,
                text="Rather keep training? Switch to Brightside Fit Basic for 19 EUR a month.",
                code="BASIC19",
            ),
            actor=admin,
            now=now,
        )
    if not RequestType.objects.filter(name=CANCEL).exists():
        do_save_request_type(
            RequestType(
                name=CANCEL,
                kind=Kind.CANCEL_SUBSCRIPTION,
                record_kinds=["subscription"],
                confirmation_text=(
                    "Your membership ends on its next renewal date; you will not be "
                    "charged again. Brightside Fit confirms by mail within a day."
                ),
                outcome_hours=24,
                offer_retention=True,
            ),
            actor=admin,
            now=now,
        )
    if not RequestType.objects.filter(name=RETURN).exists():
        do_save_request_type(
            RequestType(
                name=RETURN,
                kind=Kind.RETURN_LINE,
                record_kinds=["order"],
                policy=Policy.objects.filter(slug="returns").first(),
                confirmation_text=(
                    "We email you a prepaid return label within a day. Your refund follows "
                    "when the item is back with us."
                ),
            ),
            actor=admin,
            now=now,
        )
