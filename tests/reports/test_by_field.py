"""Cases by a custom field: counts per option over a date range, the page, the CSV, the
API, and who may see which field."""

from __future__ import annotations

from datetime import timedelta

from caredesk.customfields.actions import do_set_field_values
from caredesk.tickets import actions
from caredesk.tickets.models import Status
from tests.api.conftest import ApiClient, token_for
from tests.customfields.conftest import define, open_case


def _desk_with_products(desk, now):
    product = define(
        desk, now, key="product", label="Product", kind="select", options=["Sofa", "Lamp"]
    )
    define(desk, now, key="gift", label="Gift wrap", kind="checkbox")
    define(desk, now, key="order_no", label="Order number", kind="text")  # not groupable
    secret = define(
        desk,
        now,
        key="fraud",
        label="Fraud check",
        kind="select",
        options=["<b>flagged</b>", "clear"],
        team_ids=[desk.delivery.pk],
    )
    sofas = [open_case(desk, now, subject=f"Sofa {n}") for n in range(3)]
    lamp = open_case(desk, now, subject="Lamp")
    bare = open_case(desk, now, subject="No product")
    old = open_case(desk, now - timedelta(days=90), subject="Old sofa")
    for case in [*sofas, old]:
        do_set_field_values(case, actor=desk.admin, values={"product": "Sofa"}, now=now)
    do_set_field_values(lamp, actor=desk.admin, values={"product": "Lamp", "gift": True}, now=now)
    do_set_field_values(sofas[0], actor=desk.admin, values={"fraud": "<b>flagged</b>"}, now=now)
    actions.do_change_status(sofas[0], actor=desk.agent, status=Status.RESOLVED, now=now)
    return product, secret, sofas, lamp, bare


def test_cases_are_counted_per_option_in_the_range(client, desk, now):
    _desk_with_products(desk, now)
    client.force_login(desk.lead)
    page = client.get("/reports/fields/?field=product")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Product: 5 cases opened" in text  # the 90-day-old case is outside the range
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in line.split(",")]
            for line in client.get("/reports/fields/export.csv?field=product")
            .content.decode()
            .splitlines()[1:]
        )
    }
    assert rows == {
        "Sofa": ["3", "2", "1", "0"],
        "Lamp": ["1", "1", "0", "0"],
        "(no value)": ["1", "1", "0", "0"],
    }
    gift = client.get("/reports/fields/export.csv?field=gift").content.decode()
    assert "Yes,1,1,0,0" in gift and "No,4,3,1,0" in gift


def test_the_page_offers_only_fields_with_fixed_choices_the_reader_may_see(client, desk, now):
    _desk_with_products(desk, now)
    client.force_login(desk.lead)  # not in the Delivery team the fraud field belongs to
    text = client.get("/reports/fields/").content.decode()
    assert '<option value="product"' in text and '<option value="gift"' in text
    assert "order_no" not in text and "fraud" not in text
    hidden = client.get("/reports/fields/?field=fraud")
    assert hidden.status_code == 400 and "no such field" in hidden.content.decode()
    assert client.get("/reports/fields/export.csv?field=fraud").status_code == 404
    client.force_login(desk.manager)  # managers see every field; the option is escaped
    shown = client.get("/reports/fields/?field=fraud").content.decode()
    assert "&lt;b&gt;flagged&lt;/b&gt;" in shown and "<b>flagged</b>" not in shown
    client.force_login(desk.agent)
    assert client.get("/reports/fields/").status_code == 403


def test_bad_dates_and_hostile_keys_get_a_clear_answer(client, desk, now):
    _desk_with_products(desk, now)
    client.force_login(desk.lead)
    bad = client.get("/reports/fields/?field=product&from=2026-13-45")
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    assert client.get("/reports/fields/export.csv?field=product&from=nope").status_code == 400
    long_key = client.get("/reports/fields/?field=" + "x" * 5000)
    assert long_key.status_code == 400


def test_an_empty_desk_says_what_to_do(client, desk):
    client.force_login(desk.lead)
    text = client.get("/reports/fields/").content.decode()
    assert "There is no case field with fixed choices to group by yet" in text


def test_the_api_gives_the_same_numbers(desk, now):
    _desk_with_products(desk, now)
    lead = ApiClient(token_for(desk.lead, now))
    answer = lead.get("/api/v1/reports/fields?field=product")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["cases"] == 5 and body["label"] == "Product"
    assert {r["value"]: r["opened"] for r in body["rows"]} == {
        "Sofa": 3,
        "Lamp": 1,
        "(no value)": 1,
    }
    assert lead.get("/api/v1/reports/fields?field=fraud").status_code == 404
    agent = ApiClient(token_for(desk.agent, now))
    assert agent.get("/api/v1/reports/fields?field=product").status_code == 403
