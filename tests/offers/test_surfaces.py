"""The lock on every surface: the case page, the portal, the API and the reply mail.

Three situations each: an open case (locked), a resolved case with a negative mood
(locked), a resolved case with a neutral or positive mood (unlocked)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from caredesk.core.models import OutboundEmail
from caredesk.offers.models import OfferMade, Outcome, Surface
from caredesk.tickets import actions
from caredesk.tickets.models import Status
from tests.api.conftest import ApiClient, token_for
from tests.case_page import case_page_html
from tests.offers.conftest import angry_resolved_case, happy_resolved_case, open_case

SITUATIONS = ["open", "negative", "happy"]


def situation(desk, now, which):
    if which == "open":
        return open_case(desk, now)
    if which == "negative":
        return angry_resolved_case(desk, now)
    return happy_resolved_case(desk, now)


def staff_client(user):
    client = Client()
    client.force_login(user)
    return client


# --- workspace --------------------------------------------------------------------------


@pytest.mark.parametrize("which", SITUATIONS)
def test_case_page_panel(desk, now, voucher, which):
    ticket = situation(desk, now, which)
    page = case_page_html(staff_client(desk.agent), ticket.pk)
    assert 'id="offers"' in page
    if which == "happy":
        assert "Loyalty voucher" in page and "Make this offer" in page
        assert "data-offers-locked" not in page
    else:
        assert "data-offers-locked" in page and "Locked." in page
        assert "Loyalty voucher" not in page and "THANKS10" not in page


@pytest.mark.parametrize("which", SITUATIONS)
@pytest.mark.parametrize("role", ["agent", "admin"])
def test_making_an_offer_from_the_case_page(desk, now, voucher, which, role):
    ticket = situation(desk, now, which)
    client = staff_client(getattr(desk, role))
    response = client.post(f"/offers/cases/{ticket.pk}/make", {"offer": voucher.pk})
    if which == "happy":
        assert response.status_code == 302
        made = OfferMade.objects.get()
        assert (made.surface, made.made_by, made.ticket) == (
            Surface.WORKSPACE,
            getattr(desk, role),
            ticket,
        )
        assert ticket.events.filter(verb="offer_made").count() == 1
        # Twice: refused, still one.
        again = client.post(f"/offers/cases/{ticket.pk}/make", {"offer": voucher.pk})
        assert again.status_code == 409 and "waits for the customer" in again.content.decode()
        assert OfferMade.objects.count() == 1
    else:
        assert response.status_code == 409
        assert (
            "offers unlock" in response.content.decode() or "negative" in response.content.decode()
        )
        assert not OfferMade.objects.exists()
        assert not ticket.events.filter(verb="offer_made").exists()


def test_case_page_offer_form_refuses_bad_input(desk, now, voucher):
    ticket = happy_resolved_case(desk, now)
    client = staff_client(desk.agent)
    for bad in ({}, {"offer": "x"}, {"offer": "-1"}, {"offer": "9" * 30}, {"offer": "999999"}):
        response = client.post(f"/offers/cases/{ticket.pk}/make", bad)
        assert response.status_code == 400, bad
    assert not OfferMade.objects.exists()
    # Another team's agent cannot see the case: 404.
    assert (
        staff_client(desk.other_agent)
        .post(f"/offers/cases/{ticket.pk}/make", {"offer": voucher.pk})
        .status_code
        == 404
    )


def test_recording_the_answer_from_the_case_page(desk, now, voucher):
    ticket = happy_resolved_case(desk, now)
    client = staff_client(desk.agent)
    client.post(f"/offers/cases/{ticket.pk}/make", {"offer": voucher.pk})
    made = OfferMade.objects.get()
    assert "Customer accepted" in case_page_html(client, ticket.pk)
    assert client.post(f"/offers/made/{made.pk}/accept").status_code == 302
    made.refresh_from_db()
    assert made.outcome == Outcome.ACCEPTED and made.answered_by == desk.agent
    assert client.post(f"/offers/made/{made.pk}/decline").status_code == 409


def test_accepting_is_locked_again_when_a_new_problem_comes(desk, now, voucher):
    ticket = happy_resolved_case(desk, now)
    client = staff_client(desk.agent)
    client.post(f"/offers/cases/{ticket.pk}/make", {"offer": voucher.pk})
    open_case(desk, now + timedelta(hours=2))
    made = OfferMade.objects.get()
    assert client.post(f"/offers/made/{made.pk}/accept").status_code == 409
    # Declining needs no unlock.
    assert client.post(f"/offers/made/{made.pk}/decline").status_code == 302


# --- portal -----------------------------------------------------------------------------


@pytest.mark.parametrize("which", SITUATIONS)
def test_portal_home(desk, now, voucher, which):
    situation(desk, now, which)
    client = staff_client(desk.alice.user)
    page = client.get("/portal/cases/").content.decode()
    accepted = client.post("/offers/portal/accept", {"offer": voucher.pk})
    if which == "happy":
        assert "For you" in page and voucher.text in page
        assert accepted.status_code == 302
        made = OfferMade.objects.get()
        assert (made.surface, made.outcome, made.answered_by) == (
            Surface.PORTAL,
            Outcome.ACCEPTED,
            desk.alice.user,
        )
        assert "THANKS10" in client.get("/portal/cases/").content.decode()  # the flash
    else:
        assert "For you" not in page and voucher.text not in page
        assert accepted.status_code == 409
        assert not OfferMade.objects.exists()


def test_portal_decline_and_bad_input(desk, now, voucher):
    happy_resolved_case(desk, now)
    client = staff_client(desk.alice.user)
    for bad in ({}, {"offer": "abc"}, {"offer": "0"}, {"offer": "1" * 40}, {"offer": "424242"}):
        assert client.post("/offers/portal/accept", bad).status_code == 400, bad
    assert not OfferMade.objects.exists()
    assert client.post("/offers/portal/decline", {"offer": voucher.pk}).status_code == 302
    assert OfferMade.objects.get().outcome == Outcome.DECLINED
    assert voucher.text not in client.get("/portal/cases/").content.decode()


def test_portal_offer_pages_are_for_customers(desk, now, voucher):
    happy_resolved_case(desk, now)
    anonymous = Client().post("/offers/portal/accept", {"offer": voucher.pk})
    assert anonymous.status_code == 302 and "/portal/signin" in anonymous["Location"]
    assert not OfferMade.objects.exists()


# --- API --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", SITUATIONS)
def test_api_list_and_make(desk, now, voucher, which):
    situation(desk, now, which)
    url = f"/api/v1/customers/{desk.alice.pk}/offers"
    listed = ApiClient(token_for(desk.agent, now)).get(url).json()
    admin = ApiClient(token_for(desk.admin, now))
    made = admin.post(url, {"offer_id": voucher.pk})
    if which == "happy":
        assert listed["unlocked"] is True and [o["code"] for o in listed["offers"]] == ["THANKS10"]
        assert made.status_code == 201 and made.json()["surface"] == "api"
        again = admin.post(url, {"offer_id": voucher.pk})
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_offered"
        pending = ApiClient(token_for(desk.agent, now)).get(url).json()
        assert pending["offers"] == [] and pending["pending"][0]["id"] == made.json()["id"]
    else:
        assert listed["unlocked"] is False and listed["offers"] == [] and listed["pending"] == []
        assert listed["lock"] in ("open_case", "negative_mood") and listed["reason"]
        # Not even an admin's token gets past the lock.
        assert made.status_code == 409
        error = made.json()["error"]
        assert error["code"] == "offers_locked" and error["message"] == listed["reason"]
        assert not OfferMade.objects.exists()


def test_api_customer_tokens_see_and_answer_their_own_offers_only(desk, now, voucher):
    happy_resolved_case(desk, now)
    alice = ApiClient(token_for(desk.alice.user, now))
    bob = ApiClient(token_for(desk.bob.user, now))
    own = alice.get(f"/api/v1/customers/{desk.alice.pk}/offers").json()
    assert own["unlocked"] is True and own["offers"][0]["code"] == ""  # given on accepting
    assert bob.get(f"/api/v1/customers/{desk.alice.pk}/offers").status_code == 404
    assert (
        alice.post(
            f"/api/v1/customers/{desk.alice.pk}/offers", {"offer_id": voucher.pk}
        ).status_code
        == 403
    )
    answered = alice.post(f"/api/v1/customers/me/offers/{voucher.pk}/answer", {"accept": True})
    assert answered.status_code == 200 and answered.json()["outcome"] == "accepted"
    assert answered.json()["offer"]["code"] == "THANKS10"
    made_id = answered.json()["id"]
    assert bob.post(f"/api/v1/offers/made/{made_id}/decline").status_code == 404
    assert alice.post(f"/api/v1/offers/made/{made_id}/decline").status_code == 409


def test_api_customer_answer_is_locked_too(desk, now, voucher):
    open_case(desk, now)
    alice = ApiClient(token_for(desk.alice.user, now))
    answered = alice.post(f"/api/v1/customers/me/offers/{voucher.pk}/answer", {"accept": True})
    assert answered.status_code == 409 and answered.json()["error"]["code"] == "offers_locked"
    declined = alice.post(f"/api/v1/customers/me/offers/{voucher.pk}/answer", {"accept": False})
    assert declined.status_code == 409
    assert not OfferMade.objects.exists()


def test_api_make_offer_bad_input(desk, now, voucher):
    happy_resolved_case(desk, now)
    agent = ApiClient(token_for(desk.agent, now))
    url = f"/api/v1/customers/{desk.alice.pk}/offers"
    assert agent.post(url, raw="{not json").status_code == 400
    assert agent.post(url, {"offer_id": "x"}).status_code == 422
    assert agent.post(url, {"offer_id": 424242}).json()["error"]["code"] == "unknown_offer"
    assert agent.post(url, {"offer_id": voucher.pk, "surface": "mail"}).status_code == 422
    assert agent.post(url, {"offer_id": voucher.pk, "case_id": 999999}).status_code == 404
    other = open_case(desk, now, customer=desk.bob)
    actions.do_change_status(other, actor=desk.agent, status=Status.RESOLVED, now=now)
    wrong = agent.post(url, {"offer_id": voucher.pk, "case_id": other.pk})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_case"
    assert agent.get("/api/v1/customers/999999/offers").status_code == 404
    assert not OfferMade.objects.exists()


# --- mail -------------------------------------------------------------------------------


def _reply_mail():
    return OutboundEmail.objects.filter(kind="reply").order_by("-id").first()


def test_reply_mail_on_an_open_case_carries_no_offer(desk, now, voucher):
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Looking into it.", now=now)
    mail = _reply_mail()
    assert mail is not None and voucher.text not in mail.text and "THANKS10" not in mail.html
    assert not OfferMade.objects.exists()


def test_resolving_reply_to_an_unhappy_customer_carries_no_offer(desk, now, voucher):
    from tests.offers.conftest import ANGRY

    ticket = open_case(desk, now, body=ANGRY)
    actions.do_reply(
        ticket, agent=desk.agent, body="Fixed, sorry.", now=now, status_after=Status.RESOLVED
    )
    mail = _reply_mail()
    assert mail is not None and "THANKS10" not in mail.text
    assert not OfferMade.objects.exists()


def test_resolving_reply_to_a_satisfied_customer_carries_one_offer_once(desk, now, voucher):
    ticket = open_case(desk, now)
    actions.do_reply(
        ticket, agent=desk.agent, body="It arrives tomorrow.", now=now, status_after=Status.RESOLVED
    )
    mail = _reply_mail()
    assert voucher.text in mail.text and "Your code: THANKS10" in mail.text
    assert "THANKS10" in mail.html
    made = OfferMade.objects.get()
    assert (made.surface, made.made_by, made.ticket) == (Surface.MAIL, None, ticket)
    # The next resolving reply does not repeat it.
    actions.do_reply(
        ticket,
        agent=desk.agent,
        body="One more thing.",
        now=now + timedelta(minutes=1),
        status_after=Status.RESOLVED,
    )
    assert "THANKS10" not in _reply_mail().text
    assert OfferMade.objects.count() == 1


def test_mail_hook_runs_only_for_the_mails_wired(desk, now, voucher, settings):
    settings.CAREDESK_MAIL_CONTEXT_HOOKS = {}
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Done.", now=now, status_after=Status.RESOLVED)
    assert "THANKS10" not in _reply_mail().text
    assert not OfferMade.objects.exists()
