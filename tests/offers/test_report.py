"""Offers made and accepted, per offer and period: page and API."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from caredesk.offers.actions import do_accept_offer, do_decline_offer, do_make_offer
from caredesk.offers.models import Offer, OfferKind, Surface
from caredesk.offers.report import offer_report
from tests.api.conftest import ApiClient, token_for
from tests.offers.conftest import happy_resolved_case


def _two_customers_answered(desk, now, voucher):
    happy_resolved_case(desk, now)
    happy_resolved_case(desk, now, customer=desk.bob)
    at = now + timedelta(hours=1)
    upgrade = Offer.objects.create(name="Upgrade", kind=OfferKind.UPSELL, text="Go premium.")
    a = do_make_offer(voucher, desk.alice, actor=desk.agent, surface=Surface.WORKSPACE, now=at)
    b = do_make_offer(voucher, desk.bob, actor=desk.agent, surface=Surface.API, now=at)
    do_make_offer(upgrade, desk.bob, actor=desk.agent, surface=Surface.WORKSPACE, now=at)
    do_accept_offer(a, actor=desk.alice.user, now=at)
    do_decline_offer(b, actor=desk.agent, now=at)
    return upgrade


def test_report_counts_per_offer_and_period(desk, now, voucher):
    _two_customers_answered(desk, now, voucher)
    rows = {r.name: r for r in offer_report(now, now + timedelta(days=1))}
    v = rows["Loyalty voucher"]
    assert (v.made, v.accepted, v.declined, v.pending, v.accept_percent) == (2, 1, 1, 0, 50)
    u = rows["Upgrade"]
    assert (u.made, u.accepted, u.pending) == (1, 0, 1)
    assert offer_report(now + timedelta(days=1), now + timedelta(days=2)) == []


def test_report_page_and_api(desk, now, voucher):
    _two_customers_answered(desk, now, voucher)
    lead = Client()
    lead.force_login(desk.lead)
    page = lead.get("/offers/report/", {"start": "2026-11-01", "end": "2026-11-30"})
    assert page.status_code == 200 and "Loyalty voucher" in page.content.decode()
    bad = lead.get("/offers/report/", {"start": "2026-11-30", "end": "2026-11-01"})
    assert bad.status_code == 400 and "must end after" in bad.content.decode()
    agent = Client()
    agent.force_login(desk.agent)
    assert agent.get("/offers/report/").status_code == 403
    api = ApiClient(token_for(desk.lead, now))
    out = api.get(
        "/api/v1/offers/report", {"since": "2026-11-01T00:00:00Z", "until": "2026-12-31T00:00:00Z"}
    ).json()
    assert {r["name"]: r["accepted"] for r in out["rows"]} == {"Loyalty voucher": 1, "Upgrade": 0}
    assert api.get("/api/v1/offers/report", {"since": "nope"}).status_code == 422
    assert (
        api.get(
            "/api/v1/offers/report",
            {"since": "2026-12-31T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
        ).status_code
        == 422
    )
    assert ApiClient(token_for(desk.agent, now)).get("/api/v1/offers/report").status_code == 403
