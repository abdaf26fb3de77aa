from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from caredesk.offers.models import Offer, OfferKind
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Status

ANGRY = "This is the third time my delivery is late. I am furious and very disappointed."
NEUTRAL = "When will my parcel arrive? The order number is 4411."
HAPPY = "Thank you so much, that fixed it. Great service!"


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def voucher(db):
    return Offer.objects.create(
        name="Loyalty voucher",
        kind=OfferKind.LOYALTY,
        text="Thank you for your patience: 10% off your next order.",
        code="THANKS10",
    )


def open_case(desk, now, body=NEUTRAL, customer=None):
    return actions.do_open_ticket(
        customer=customer or desk.alice,
        subject="Parcel question",
        body=body,
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )


def resolve(desk, ticket, at):
    return actions.do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=at)


def happy_resolved_case(desk, now, customer=None):
    """A neutral question, an answer, the customer's thanks, resolved: unlocked."""
    ticket = open_case(desk, now, customer=customer)
    actions.do_reply(
        ticket, agent=desk.agent, body="It arrives tomorrow.", now=now + timedelta(minutes=5)
    )
    customer = customer or desk.alice
    actions.do_add_customer_message(
        ticket,
        customer=customer,
        body=HAPPY,
        channel=Channel.PORTAL,
        now=now + timedelta(minutes=9),
    )
    resolve(desk, ticket, now + timedelta(minutes=10))
    return ticket


def angry_resolved_case(desk, now, customer=None):
    ticket = open_case(desk, now, body=ANGRY, customer=customer)
    resolve(desk, ticket, now + timedelta(minutes=10))
    return ticket
