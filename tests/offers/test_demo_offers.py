"""The demo shows P4: a happy customer with a solved case sees the thank-you voucher; the
angry caller with an open case does not."""

from __future__ import annotations

from django.test import Client

from caredesk.customers.models import Customer
from caredesk.enrichment.models import CaseMood
from caredesk.offers.lock import offers_unlocked
from caredesk.offers.models import Offer
from caredesk.tickets.models import Message, MessageKind
from tests.conftest import NOW
from tests.demo.conftest import loaded  # noqa: F401  (the demo desk fixture)


def test_demo_offers_and_the_lock(loaded):  # noqa: F811
    # BASIC19 is the retention offer on the self-service cancel page (demo/selfservice.py).
    assert set(Offer.objects.values_list("code", flat=True)) == {"THANKYOU15", "PLUS50", "BASIC19"}
    # Every demo customer message was scored (the loader runs without the worker).
    assert not Message.objects.filter(kind=MessageKind.CUSTOMER, sentiment__isnull=True).exists()
    hana = Customer.objects.get(name="Hana Okafor")
    colin = Customer.objects.get(name="Colin Marsh")
    assert offers_unlocked(hana, NOW)[0] is True
    assert CaseMood.objects.get(ticket__customer=hana).label == "positive"
    unlocked, reason = offers_unlocked(colin, NOW)
    assert not unlocked and "not resolved" in reason

    portal = Client()
    portal.force_login(hana.user)
    assert "THANKYOU15" not in portal.get("/portal/cases/").content.decode()  # code after yes
    assert "15% off your next order" in portal.get("/portal/cases/").content.decode()
    angry = Client()
    angry.force_login(colin.user)
    assert "15% off" not in angry.get("/portal/cases/").content.decode()
    assert "Hana Okafor" in loaded.output
