"""The portal's Do it yourself pages: one confirmation, own records only, the retention
offer once and only through the P4 lock, an ineligible return says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core.models import OutboundEmail
from caredesk.offers.models import Offer, OfferKind, OfferMade, Outcome
from caredesk.selfservice.models import SelfServiceRequest, Status
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Channel
from tests.selfservice.conftest import HYGIENE


@pytest.fixture
def retention(db):
    return Offer.objects.create(
        name="Stay for half price",
        kind=OfferKind.RETENTION,
        text="Stay three more months at half price.",
        code="STAY50",
    )


def _page(client, ss, customer, rt=None):
    client.force_login(customer.user)
    return client.get(f"/portal/self-service/{(rt or ss.cancel).pk}/")


def test_the_list_shows_the_types_and_an_empty_history(client, desk, ss):
    client.force_login(desk.alice.user)
    html = client.get("/portal/self-service/").content.decode()
    assert "Cancel my membership" in html and "Return an item" in html
    assert "You have not asked for anything here yet." in html


def test_one_confirmation_cancels_and_the_status_page_shows_what_happens_next(client, desk, ss):
    html = _page(client, ss, desk.alice).content.decode()
    assert "GYM-1" in html and "GYM-2" not in html  # Bob's membership is not listed
    answer = client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk})
    req = SelfServiceRequest.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/portal/self-service/requests/{req.pk}/"
    status = client.get(answer["Location"]).content.decode()
    assert "Requested" in status and "end of this billing period" in status
    assert OutboundEmail.objects.filter(to="alice@acme.test").count() == 1
    assert client.get("/portal/self-service/").content.decode().count("GYM-1") == 1


def test_a_double_submit_is_one_request(client, desk, ss):
    _page(client, ss, desk.alice)
    for _ in range(2):
        client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk})
    assert SelfServiceRequest.objects.count() == 1


@pytest.mark.parametrize("record", ["-1", "abc", "99999999999999999999999", "0"])
def test_forged_record_ids_are_refused(client, desk, ss, record):
    _page(client, ss, desk.alice)
    answer = client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": record})
    assert answer.status_code == 404
    assert not SelfServiceRequest.objects.exists()


def test_another_customers_record_is_refused(client, desk, ss):
    _page(client, ss, desk.alice)
    answer = client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.bobs_gym.pk})
    assert answer.status_code == 404 and "No such record of yours." in answer.content.decode()
    assert not SelfServiceRequest.objects.exists()


def test_another_customers_request_is_not_found(client, desk, ss):
    _page(client, ss, desk.alice)
    client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk})
    req = SelfServiceRequest.objects.get()
    client.force_login(desk.bob.user)
    assert client.get(f"/portal/self-service/requests/{req.pk}/").status_code == 404
    assert "GYM-1" not in client.get("/portal/self-service/").content.decode()


def test_unknown_or_inactive_types_are_404(client, desk, ss):
    client.force_login(desk.alice.user)
    assert client.get("/portal/self-service/999999/").status_code == 404
    ss.cancel.is_active = False
    ss.cancel.save()
    assert client.get(f"/portal/self-service/{ss.cancel.pk}/").status_code == 404


def test_staff_and_strangers_are_turned_away(client, desk, ss):
    assert client.get("/portal/self-service/").status_code == 302
    assert client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": 1}).status_code == 302
    client.force_login(desk.agent)
    client.post(f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk})
    assert not SelfServiceRequest.objects.exists()


def test_an_ineligible_return_says_why_and_offers_to_talk_to_someone(client, desk, ss):
    html = _page(client, ss, desk.alice, ss.ret).content.decode()
    assert "Shower seat" in html and "Sofa" in html
    item = f"{ss.order.pk}:{ss.seat.pk}"
    answer = client.post(f"/portal/self-service/{ss.ret.pk}/", {"item": item})
    page = answer.content.decode()
    assert answer.status_code == 409
    assert HYGIENE in page and "Talk to someone about it" in page
    talk = (
        f"/portal/cases/new/?selfservice={ss.ret.pk}&amp;record={ss.order.pk}&amp;line={ss.seat.pk}"
    )
    assert talk in page
    form = client.get(talk.replace("&amp;", "&")).content.decode()
    assert "Return an item" in form and "hygiene items" in form
    assert not SelfServiceRequest.objects.exists()


def test_an_eligible_return_of_one_item(client, desk, ss):
    _page(client, ss, desk.alice, ss.ret)
    item = f"{ss.order.pk}:{ss.sofa.pk}"
    assert client.post(f"/portal/self-service/{ss.ret.pk}/", {"item": item}).status_code == 302
    assert SelfServiceRequest.objects.get().line == ss.sofa


def test_a_missing_slot_is_named_and_an_oversized_note_refused(client, desk, ss):
    _page(client, ss, desk.alice, ss.slot)
    url = f"/portal/self-service/{ss.slot.pk}/"
    missing = client.post(url, {"record": ss.order.pk})
    assert (
        missing.status_code == 400 and "New delivery slot is required." in missing.content.decode()
    )
    long = client.post(url, {"record": ss.order.pk, "slot": "Fri 8-12", "note": "n" * 5000})
    assert long.status_code == 400 and "too long" in long.content.decode()
    assert not SelfServiceRequest.objects.exists()


def test_the_retention_offer_shows_once_and_declining_adds_no_step(client, desk, ss, retention):
    html = _page(client, ss, desk.alice).content.decode()
    assert "Stay three more months at half price." in html
    answer = client.post(
        f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk, "offer": retention.pk}
    )
    assert answer.status_code == 302  # the one confirmation cancels
    assert SelfServiceRequest.objects.get().status == Status.REQUESTED
    made = OfferMade.objects.get()
    assert made.outcome == Outcome.DECLINED and made.surface == "portal"
    again = client.get(f"/portal/self-service/{ss.cancel.pk}/").content.decode()
    assert "Stay three more months" not in again


def test_taking_the_offer_instead_keeps_the_membership(client, desk, ss, retention):
    _page(client, ss, desk.alice)
    answer = client.post(
        f"/portal/self-service/{ss.cancel.pk}/",
        {"record": ss.gym.pk, "offer": retention.pk, "answer": "keep"},
    )
    assert answer.status_code == 302
    assert not SelfServiceRequest.objects.exists()
    assert OfferMade.objects.get().outcome == Outcome.ACCEPTED
    assert "STAY50" in client.get(answer["Location"]).content.decode()


def test_no_retention_offer_while_a_case_is_unresolved(client, desk, ss, retention, now):
    ticket_actions.do_open_ticket(
        customer=desk.alice,
        subject="My gym card does not work",
        body="The door did not open.",
        channel=Channel.PORTAL,
        now=now - timedelta(hours=1),
    )
    html = _page(client, ss, desk.alice).content.decode()
    assert "Stay three more months" not in html
    # A forged offer id in the form is ignored: the cancel goes ahead, no offer recorded.
    client.post(
        f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk, "offer": retention.pk}
    )
    assert SelfServiceRequest.objects.exists() and not OfferMade.objects.exists()


def test_pages_and_the_one_step_cost_a_bounded_number_of_queries(
    client, desk, ss, retention, django_assert_max_num_queries
):
    client.force_login(desk.alice.user)
    with django_assert_max_num_queries(20):
        client.get(f"/portal/self-service/{ss.cancel.pk}/")
    with django_assert_max_num_queries(60):
        client.post(
            f"/portal/self-service/{ss.cancel.pk}/", {"record": ss.gym.pk, "offer": retention.pk}
        )
    with django_assert_max_num_queries(8):
        client.get("/portal/self-service/")
