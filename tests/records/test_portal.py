"""The portal's "Your orders and subscriptions" page: own and organization records only."""

from __future__ import annotations

from caredesk.records.actions import do_upsert_record


def _record(customer, external_id, kind="order", **extra):
    data = {"kind": kind, "external_id": external_id, "customer_id": customer.pk, **extra}
    return do_upsert_record(data, actor=None, now=customer.created_at).record


def test_customers_see_their_orders_and_subscriptions_only(client, desk):
    _record(desk.alice, "204117", lines=[{"product": "Shower seat"}])
    _record(desk.alice, "GYM-7", kind="subscription", renews_at="2027-01-01", title="Gym plan")
    _record(desk.bob, "SECRET-1", title="Bob's sofa")
    do_upsert_record(
        {"kind": "order", "external_id": "ORG-1", "organization_id": desk.acme.pk},
        actor=None,
        now=desk.alice.created_at,
    )
    client.force_login(desk.alice.user)
    html = client.get("/portal/records/").content.decode()
    assert "Your orders" in html and "Your subscriptions" in html
    assert "204117" in html and "Shower seat" in html and "GYM-7" in html and "ORG-1" in html
    assert "SECRET-1" not in html


def test_an_empty_page_says_so(client, desk):
    client.force_login(desk.bob.user)
    html = client.get("/portal/records/").content.decode()
    assert "We have no orders or subscriptions for you yet." in html


def test_staff_and_strangers_are_turned_away(client, desk):
    assert client.get("/portal/records/").status_code == 302
    client.force_login(desk.agent)
    assert "SECRET" not in client.get("/portal/records/").content.decode()
