"""The offer admin: good offers are saved through the action (audited); bad ones are
refused with the field and nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.core.models import Event
from caredesk.offers.models import MAX_TEXT, Offer

FORM = {
    "name": "Winter voucher",
    "kind": "loyalty",
    "text": "15% off in January.",
    "code": "winter-15",
    "is_active": "on",
    "starts_at_0": "",
    "starts_at_1": "",
    "ends_at_0": "",
    "ends_at_1": "",
}


def admin_client(desk):
    client = Client()
    client.force_login(desk.admin)
    return client


def test_admin_pages_load(desk):
    client = admin_client(desk)
    for path in ("offers/offer", "offers/offer/add", "offers/segment", "offers/offermade"):
        assert client.get(f"/admin/{path}/").status_code == 200, path


def test_admin_saves_a_good_offer_through_the_action(desk):
    client = admin_client(desk)
    response = client.post("/admin/offers/offer/add/", {**FORM, "tiers": ["vip"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Offer.objects.get()
    assert (offer.code, offer.tiers) == ("WINTER-15", ["vip"])
    assert Event.objects.filter(kind="offer.saved").count() == 1
    assert client.post(f"/admin/offers/offer/{offer.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"tiers": ["platinum"]},
        {"text": "x" * (MAX_TEXT + 1)},
        {"code": "bad code!"},
        {"kind": "bribe"},
        {"name": ""},
        {
            "starts_at_0": "2026-12-10",
            "starts_at_1": "10:00",
            "ends_at_0": "2026-12-01",
            "ends_at_1": "10:00",
        },
        {"starts_at_0": "not a date", "starts_at_1": "25:99"},
    ],
)
def test_admin_refuses_bad_offers(desk, change):
    response = admin_client(desk).post("/admin/offers/offer/add/", {**FORM, **change})
    assert response.status_code == 200
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    assert not Offer.objects.exists()
