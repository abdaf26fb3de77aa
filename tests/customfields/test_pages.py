"""The Fields panel of the case page, the customer and organization field pages, and the
admins' definition pages."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.customfields.models import FieldDefinition, FieldValue
from caredesk.tickets.models import AuditEvent, Status
from tests.case_page import case_page_html

from .conftest import define, open_case


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent(desk):
    return client_for(desk.agent)


def test_the_case_page_shows_the_fields_and_saves_the_form(desk, now, agent, case):
    define(desk, now, key="order_no", label="Order number", help_text="From the receipt")
    define(desk, now, key="reason", label="Reason", kind="select", options=["late", "damaged"])
    page = case_page_html(agent, case.pk)
    assert "Order number" in page and "From the receipt" in page and 'id="fields-form"' in page
    response = agent.post(f"/fields/case/{case.pk}", {"cf_order_no": "A-1", "cf_reason": "late"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/#fields"
    page = case_page_html(agent, case.pk)
    assert "A-1" in page
    assert AuditEvent.objects.filter(ticket=case, verb="field_changed").count() == 1


def test_hostile_input_is_escaped_and_a_refused_form_keeps_what_was_typed(desk, now, agent, case):
    define(desk, now, key="order_no", label="Order number")
    define(desk, now, key="amount", label="Amount", kind="number")
    hostile = '<script>alert("x")</script>'
    agent.post(f"/fields/case/{case.pk}", {"cf_order_no": hostile})
    page = case_page_html(agent, case.pk)
    assert hostile not in page and "&lt;script&gt;" in page
    refused = agent.post(f"/fields/case/{case.pk}", {"cf_order_no": "B-2", "cf_amount": "ten"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Amount is a number." in html and 'value="B-2"' in html and 'value="ten"' in html
    huge = agent.post(f"/fields/case/{case.pk}", {"cf_order_no": "x" * 100_000})
    assert huge.status_code == 400 and "too long" in huge.content.decode()
    assert list(FieldValue.objects.values_list("value_text", flat=True)) == [hostile]


def test_resolving_on_the_page_names_the_required_field(desk, now, agent, case):
    define(desk, now, key="cause", label="Root cause", required_on=["resolved"])
    response = agent.post(f"/cases/{case.pk}/status", {"status": Status.RESOLVED}, follow=True)
    assert "Root cause" in response.content.decode()
    case.refresh_from_db()
    assert case.status != Status.RESOLVED


def test_a_team_field_is_not_on_another_teams_page(desk, now):
    define(desk, now, key="secret", label="Billing note", team_ids=[desk.billing.pk])
    case = open_case(desk, now, team=None)
    assert "Billing note" in case_page_html(client_for(desk.agent), case.pk)
    other = client_for(desk.other_agent)
    assert "Billing note" not in case_page_html(other, case.pk)
    other.post(f"/fields/case/{case.pk}", {"cf_secret": "mine"})
    assert not FieldValue.objects.exists()


def test_customer_and_organization_pages(desk, now, agent):
    define(desk, now, key="contract", target="customer", label="Contract")
    page = agent.get(f"/fields/customer/{desk.alice.pk}")
    assert page.status_code == 200 and "Contract" in page.content.decode()
    saved = agent.post(f"/fields/customer/{desk.alice.pk}", {"cf_contract": "C-9"}, follow=True)
    assert "C-9" in saved.content.decode()
    empty = agent.get(f"/fields/organization/{desk.acme.pk}")
    assert "No fields here yet" in empty.content.decode()
    assert agent.get("/fields/customer/999999").status_code == 404
    assert agent.get(f"/fields/planet/{desk.acme.pk}").status_code == 404


def test_the_admin_pages_define_and_retire_fields(desk, now):
    admin = client_for(desk.admin)
    assert "No fields on cases yet" in admin.get("/fields/").content.decode()
    refused = admin.post(
        "/fields/new", {"target": "case", "key": "Bad Key", "label": "<i>x</i>", "kind": "text"}
    )
    assert refused.status_code == 400
    assert (
        "lower-case" in refused.content.decode()
        and "&lt;i&gt;x&lt;/i&gt;" in refused.content.decode()
    )
    created = admin.post(
        "/fields/new",
        {
            "target": "case",
            "key": "reason",
            "label": "Reason",
            "kind": "select",
            "options": "late\ndamaged",
            "required_on": ["resolved"],
            "teams": [desk.billing.pk],
        },
    )
    assert created.status_code == 302
    field = FieldDefinition.objects.get()
    assert field.options == ["late", "damaged"] and list(field.teams.all()) == [desk.billing]
    assert admin.get(f"/fields/{field.pk}/edit").status_code == 200
    admin.post(f"/fields/{field.pk}/retire")
    field.refresh_from_db()
    assert not field.is_active
    # Not for other staff.
    assert client_for(desk.lead).get("/fields/").status_code == 404
    assert client_for(desk.lead).post("/fields/new", {}).status_code == 404


def test_the_django_admin_saves_through_the_actions(desk, now):
    admin = client_for(desk.admin)
    response = admin.post(
        "/admin/customfields/fielddefinition/add/",
        {
            "target": "customer",
            "key": "contract",
            "label": "Contract",
            "kind": "text",
            "options": "[]",
            "required_on": "[]",
            "help_text": "",
            "position": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from caredesk.core.models import Event

    assert Event.objects.filter(kind="custom_field.defined").count() == 1
