"""Defining offers: the admin form, the action and the API refuse bad input whole."""

from __future__ import annotations

import pytest

from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.core.models import Event
from caredesk.offers.actions import do_save_offer
from caredesk.offers.forms import OfferAdminForm
from caredesk.offers.models import MAX_TEXT, Offer, Segment
from caredesk.tickets.models import Tag
from tests.api.conftest import ApiClient, token_for

GOOD = {
    "name": "Spring upgrade",
    "kind": "upsell",
    "text": "Upgrade to Premium for half the price this spring.",
    "code": "spring-50",
}


def test_the_admin_form_accepts_a_good_offer(desk):
    form = OfferAdminForm(data={**GOOD, "tiers": ["vip", "priority"], "is_active": "on"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tiers"] == ["vip", "priority"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tiers": ["platinum"]}, "tiers"),
        ({"text": "x" * (MAX_TEXT + 1)}, "text"),
        ({"text": "   "}, "text"),
        ({"code": "no spaces!"}, "code"),
        ({"kind": "bribe"}, "kind"),
        ({"name": ""}, "name"),
        ({"starts_at": "2026-12-10 10:00", "ends_at": "2026-12-01 10:00"}, "ends_at"),
    ],
)
def test_the_admin_form_refuses_bad_fields(desk, change, field):
    form = OfferAdminForm(data={**GOOD, **change})
    assert not form.is_valid()
    assert field in form.errors


def test_the_action_refuses_bad_fields_and_non_managers(desk, now):
    with pytest.raises(DomainError) as refused:
        do_save_offer(Offer(**GOOD, tiers=["gold"]), actor=desk.admin, now=now)
    assert refused.value.code == "invalid_offer" and "Unknown tier 'gold'" in refused.value.message
    with pytest.raises(DomainError):
        do_save_offer(Offer(**GOOD, tiers="vip"), actor=desk.admin, now=now)
    with pytest.raises(PermissionDenied):
        do_save_offer(Offer(**GOOD), actor=desk.agent, now=now)
    assert not Offer.objects.exists()
    offer = do_save_offer(Offer(**GOOD), actor=desk.manager, now=now)
    assert offer.code == "SPRING-50"
    assert Event.objects.filter(kind="offer.saved").count() == 1


def test_api_creates_an_offer(desk, now):
    seg = Segment.objects.create(name="Gym members")
    Tag.objects.create(name="subscription")
    manager = ApiClient(token_for(desk.manager, now))
    body = {
        **GOOD,
        "tiers": ["vip"],
        "organization_ids": [desk.acme.pk],
        "segment_ids": [seg.pk],
        "tags": ["subscription"],
    }
    made = manager.post("/api/v1/offers", body)
    assert made.status_code == 201, made.json()
    out = made.json()
    assert out["code"] == "SPRING-50" and out["organization_ids"] == [desk.acme.pk]
    assert out["tags"] == ["subscription"] and out["segment_ids"] == [seg.pk]
    again = manager.post("/api/v1/offers", body)
    assert again.status_code == 409
    listed = ApiClient(token_for(desk.agent, now)).get("/api/v1/offers").json()
    assert [o["name"] for o in listed] == ["Spring upgrade"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"tiers": ["platinum"]}, 422, "invalid_offer"),
        ({"tiers": ["vip", "vip"]}, 422, "invalid_offer"),
        ({"text": "x" * (MAX_TEXT + 1)}, 422, "validation_error"),
        ({"text": "x\x00y"}, 422, "validation_error"),
        ({"name": "n" * 500}, 422, "validation_error"),
        ({"code": "bad code"}, 422, "invalid_offer"),
        ({"kind": "bribe"}, 422, "validation_error"),
        ({"tiers": "vip"}, 422, "validation_error"),
        ({"organization_ids": [999999]}, 422, "unknown_organization"),
        ({"segment_ids": [999999]}, 422, "unknown_segment"),
        ({"tags": ["nope"]}, 422, "unknown_tag"),
        (
            {"starts_at": "2026-12-10T10:00:00Z", "ends_at": "2026-12-01T10:00:00Z"},
            422,
            "invalid_offer",
        ),
        ({"is_admin": True}, 422, "validation_error"),
    ],
)
def test_api_refuses_bad_offers_and_writes_nothing(desk, now, change, status, code):
    response = ApiClient(token_for(desk.admin, now)).post("/api/v1/offers", {**GOOD, **change})
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert not Offer.objects.exists()


def test_api_refuses_malformed_and_oversized_bodies_and_agents(desk, now):
    admin = ApiClient(token_for(desk.admin, now))
    assert admin.post("/api/v1/offers", raw="{nope").status_code == 400
    huge = admin.post("/api/v1/offers", {**GOOD, "text": "x" * (11 * 1024 * 1024)})
    assert huge.status_code in (413, 422)
    assert ApiClient(token_for(desk.agent, now)).post("/api/v1/offers", GOOD).status_code == 403
    assert (
        ApiClient(token_for(desk.alice.user, now)).post("/api/v1/offers", GOOD).status_code == 403
    )
    assert not Offer.objects.exists()
