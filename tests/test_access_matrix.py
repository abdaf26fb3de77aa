"""One matrix: customer A can neither read, search, write to nor download anything of
customer B's case, through the portal, the workspace or the API — always a plain 404."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from caredesk.accounts.actions import do_create_api_token
from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.merge import do_merge_cases
from caredesk.tickets.models import Channel, Ticket


@pytest.fixture
def bobs_case(desk, now):
    cache.clear()
    ticket = actions.do_open_ticket(
        customer=desk.bob,
        subject="Private matter zebra",
        channel=Channel.PORTAL,
        now=now,
        body="My account number is 12345 zebra",
        files=[IncomingFile("bank.pdf", b"%PDF-1.4 secret", "application/pdf")],
    )
    return ticket, ticket.messages.get().attachments.get()


@pytest.fixture
def alice_web(desk):
    client = Client()
    client.force_login(desk.alice.user)
    return client


@pytest.fixture
def alice_api(desk, now):
    token = do_create_api_token(user=desk.alice.user, name="matrix", now=now).plaintext
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_portal_pages_and_writes_are_not_found(alice_web, bobs_case):
    ticket, attachment = bobs_case
    assert alice_web.get(f"/portal/cases/{ticket.pk}/").status_code == 404
    assert alice_web.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "hi"}).status_code == 404
    assert alice_web.get(f"/attachments/{attachment.pk}/").status_code == 404
    listing = alice_web.get("/portal/cases/").content.decode()
    assert "zebra" not in listing and ticket.reference not in listing
    assert Ticket.objects.get(pk=ticket.pk).message_count == 1


def test_portal_status_changes_are_not_found(alice_web, bobs_case):
    ticket, _ = bobs_case
    for action in ("resolve", "reopen"):
        response = alice_web.post(f"/portal/cases/{ticket.pk}/status/", {"action": action})
        assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_workspace_is_closed_to_customers(alice_web, bobs_case):
    ticket, _ = bobs_case
    # Customers are sent to the portal; nothing of the case is shown.
    response = alice_web.get(f"/cases/{ticket.pk}/")
    assert response.status_code in (302, 404) and b"zebra" not in response.content
    response = alice_web.get("/search", {"q": "zebra"})
    assert b"Private matter" not in response.content


def test_api_read_write_and_search_are_not_found(alice_api, bobs_case):
    ticket, _ = bobs_case
    assert alice_api.get(f"/api/v1/cases/{ticket.pk}").status_code == 404
    assert alice_api.get(f"/api/v1/cases/{ticket.pk}/messages").status_code == 404
    assert (
        alice_api.post(
            f"/api/v1/cases/{ticket.pk}/messages", {"body": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        alice_api.patch(
            f"/api/v1/cases/{ticket.pk}", {"status": "resolved"}, content_type="application/json"
        ).status_code
        == 404
    )
    found = alice_api.get("/api/v1/cases", {"q": "zebra"}).json()
    assert found["items"] == []
    assert Ticket.objects.get(pk=ticket.pk).message_count == 1


def test_not_found_looks_the_same_as_a_missing_case(alice_api, bobs_case):
    ticket, _ = bobs_case
    hidden = alice_api.get(f"/api/v1/cases/{ticket.pk}")
    missing = alice_api.get("/api/v1/cases/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.fixture
def bobs_case_merged_into_alices(desk, now, bobs_case):
    """Bob's case merged (confirmed) into one of Alice's: its messages now live there."""
    ticket, attachment = bobs_case
    alices = actions.do_open_ticket(
        customer=desk.alice,
        subject="Login fails",
        body="Alice here",
        channel=Channel.PORTAL,
        now=now,
    )
    do_merge_cases(ticket, alices, actor=desk.agent, now=now, confirm_other_customer=True)
    return ticket, alices, attachment


def test_after_a_merge_across_customers_the_target_customer_sees_nothing_of_the_other(
    alice_web, alice_api, bobs_case_merged_into_alices
):
    bobs, alices, attachment = bobs_case_merged_into_alices
    page = alice_web.get(f"/portal/cases/{alices.pk}/")
    assert page.status_code == 200 and b"zebra" not in page.content
    assert bobs.reference.encode() not in page.content
    assert alice_web.get(f"/portal/cases/{bobs.pk}/").status_code == 404
    assert alice_web.get(f"/attachments/{attachment.pk}/").status_code == 404
    messages = alice_api.get(f"/api/v1/cases/{alices.pk}/messages").json()["items"]
    assert [m["body"] for m in messages] == ["Alice here"]
    assert alice_api.get("/api/v1/cases", {"q": "zebra"}).json()["items"] == []
    listing = alice_web.get("/portal/cases/", {"q": "zebra"}).content
    # The language switcher's "next" repeats the page's own address, query included.
    echo = b'name="next" value="/portal/cases/?q=zebra"'
    assert listing.count(echo) == 1 and b"zebra" not in listing.replace(echo, b"")


def test_after_a_merge_across_customers_the_source_customer_keeps_only_their_own(
    desk, bobs_case_merged_into_alices
):
    bobs, alices, attachment = bobs_case_merged_into_alices
    bob = Client()
    bob.force_login(desk.bob.user)
    page = bob.get(f"/portal/cases/{bobs.pk}/")
    assert b"zebra" in page.content and b"Alice here" not in page.content
    assert bob.get(f"/portal/cases/{alices.pk}/").status_code == 404
    assert bob.get(f"/attachments/{attachment.pk}/").status_code == 200
