"""The portal's new-case form asks the public case fields and checks them."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.customfields import selectors
from caredesk.tickets.models import Ticket
from tests.api.conftest import assert_error

from .conftest import define


@pytest.fixture
def alice(desk):
    client = Client()
    client.force_login(desk.alice.user)
    return client


def test_public_fields_are_asked_checked_and_kept(desk, now, alice):
    define(desk, now, key="order_no", label="Order number", public=True)
    define(desk, now, key="internal", label="Internal rating")
    form = alice.get("/portal/cases/new/").content.decode()
    assert "Order number" in form and "Internal rating" not in form
    refused = alice.post(
        "/portal/cases/new/",
        {"subject": "Late", "body": "Where is it?", "cf_order_no": "x" * 100_000},
    )
    assert refused.status_code == 400 and "too long" in refused.content.decode()
    assert "Where is it?" in refused.content.decode()
    assert not Ticket.objects.exists()
    opened = alice.post(
        "/portal/cases/new/",
        {
            "subject": "Late",
            "body": "Where is it?",
            "cf_order_no": "<b>A-1</b>",
            "cf_internal": "5",
        },
    )
    assert opened.status_code == 302
    ticket = Ticket.objects.get()
    defs = selectors.definitions("case")
    assert selectors.values_of(defs, [ticket.pk])[ticket.pk] == {"order_no": "<b>A-1</b>"}


def test_the_api_opens_a_case_with_public_fields_only_for_customers(desk, now, api):
    define(desk, now, key="order_no", label="Order number", public=True)
    define(desk, now, key="internal", label="Internal rating")
    body = {"subject": "Late", "body": "Where is it?"}
    error = assert_error(
        api.alice.post("/api/v1/cases", {**body, "fields": {"internal": "5"}}), 422
    )
    assert error["details"][0]["field"] == "internal"
    assert not Ticket.objects.exists()
    created = api.alice.post("/api/v1/cases", {**body, "fields": {"order_no": "A-1"}})
    assert created.status_code == 201, created.content
    staff = api.agent.get(f"/api/v1/cases/{created.json()['id']}").json()
    assert staff["fields"] == {"order_no": "A-1", "internal": None}
