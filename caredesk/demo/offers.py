"""The demo's offers (P4): two offers, a customer whose solved case unlocks a loyalty
voucher, and the sentiment of every demo message (the demo loads with effects
suppressed, so the background scoring never ran)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.accounts.models import User
from caredesk.demo import script as s
from caredesk.demo.people import DemoDesk
from caredesk.demo.script import CaseSpec
from caredesk.enrichment.models import MessageSentiment
from caredesk.enrichment.tasks import score_sentiment
from caredesk.offers.actions import do_save_offer
from caredesk.offers.models import Offer, OfferKind
from caredesk.tickets.models import Channel, Message, MessageKind, Status

OFFERS = (
    Offer(
        name="Thank-you voucher",
        kind=OfferKind.LOYALTY,
        text="Thank you for bearing with us. Here is 15% off your next order.",
        code="THANKYOU15",
    ),
    Offer(
        name="Delivery Plus upgrade",
        kind=OfferKind.UPSELL,
        text="Delivery Plus: free two-hour delivery windows for a year, at half price.",
        code="PLUS50",
        tiers=["priority", "vip"],
    ),
)


def ensure_offers(admin: User, now: datetime) -> None:
    for template in OFFERS:
        if Offer.objects.filter(name=template.name).exists():
            continue
        offer = Offer(
            name=template.name,
            kind=template.kind,
            text=template.text,
            code=template.code,
            tiers=list(template.tiers),
        )
        do_save_offer(offer, actor=admin, now=now)


def solved_and_happy(desk: DemoDesk, now: datetime) -> CaseSpec:
    """Hana's missing parcel was found and delivered; she is pleased. Her case is
    resolved with a positive mood, so her portal home shows the thank-you voucher."""
    t = (now - timedelta(days=2)).replace(hour=10, minute=5, second=0, microsecond=0)
    priya = desk.staff["priya"]
    team = desk.teams["deliveries"]
    return CaseSpec(
        story="offer-unlocked",
        opened_at=t,
        customer=desk.customers["hana"],
        channel=Channel.PORTAL,
        team=team,
        subject="Parcel shows delivered but is not here",
        body=(
            "Hello, the tracking for order BH-311402 says delivered yesterday but nothing "
            "came. Could you check where it is?"
        ),
        steps=[
            s.assign(t + timedelta(minutes=10), priya, priya, team),
            s.reply(
                t + timedelta(minutes=40),
                priya,
                "The driver left it with your neighbour at number 14 by mistake. We have "
                "collected it and it will be with you this afternoon.",
            ),
            s.customer(
                t + timedelta(hours=5),
                "It arrived, thank you so much! Great service, really appreciated.",
            ),
            s.status(t + timedelta(hours=5, minutes=10), priya, Status.RESOLVED),
        ],
    )


def score_messages() -> int:
    """Score every demo customer message (what the worker does for live messages)."""
    scored = MessageSentiment.objects.values("message_id")
    ids = (
        Message.objects.filter(kind=MessageKind.CUSTOMER)
        .exclude(pk__in=scored)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(score_sentiment(pk) for pk in list(ids))
