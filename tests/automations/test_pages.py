"""The automation pages: list, form with its errors, detail with runs, dry run,
switch, reorder, and what agents may do."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.automations.models import Automation

from .conftest import automate, open_case


@pytest.fixture
def lead_client(desk):
    client = Client()
    client.force_login(desk.lead)
    return client


@pytest.fixture
def agent_client(desk):
    client = Client()
    client.force_login(desk.agent)
    return client


def form_data(**kw):
    data = {
        "name": "Tag refunds",
        "trigger": "event",
        "events": ["case.created"],
        "words": "refund, money back",
        "a0_kind": "add_tags",
        "a0_tags": "refund",
        "a1_kind": "priority",
        "a1_value": "priority:high",
        "active": "on",
    }
    data.update(kw)
    return data


def test_the_list_has_an_empty_state_and_the_form_creates(desk, now, lead_client):
    page = lead_client.get("/automations/")
    assert page.status_code == 200 and "No automations yet" in page.content.decode()
    assert lead_client.get("/automations/new").status_code == 200
    saved = lead_client.post("/automations/new", form_data())
    assert saved.status_code == 302, saved.content.decode()[:2000]
    a = Automation.objects.get()
    assert a.conditions == {"words": ["refund", "money back"]}
    assert a.actions == [
        {"kind": "add_tags", "tags": ["refund"]},
        {"kind": "priority", "value": "high"},
    ]
    listed = lead_client.get("/automations/").content.decode()
    assert "Tag refunds" in listed and "Set priority to high" in listed
    edit = lead_client.get(f"/automations/{a.pk}/edit").content.decode()
    assert 'value="Tag refunds"' in edit and "refund, money back" in edit


def test_a_refused_form_keeps_what_was_typed_and_escapes_it(desk, now, lead_client):
    page = lead_client.post(
        "/automations/new",
        form_data(name="<script>alert(1)</script>", a0_kind="mail", a0_text="{% load evil %}"),
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert "Template tags" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert not Automation.objects.exists()
    huge = lead_client.post("/automations/new", form_data(name="n" * 5000))
    assert huge.status_code == 400 and not Automation.objects.exists()


def test_hostile_names_are_escaped_on_every_page(desk, now, lead_client):
    a = automate(desk, now, name="<b>bold</b><script>x()</script>")
    open_case(desk, now)
    for url in ("/automations/", f"/automations/{a.pk}/", f"/automations/{a.pk}/dry-run"):
        html = lead_client.get(url).content.decode()
        assert "<script>x()</script>" not in html and "&lt;script&gt;" in html, url


def test_detail_lists_runs_and_the_dry_run_the_matching_cases(desk, now, lead_client):
    a = automate(desk, now, conditions={"tiers": ["vip"]})
    vip = open_case(desk, now)
    other = open_case(desk, now, customer=desk.bob, subject="Bob's invoice")
    detail = lead_client.get(f"/automations/{a.pk}/").content.decode()
    assert vip.reference in detail and "Tags +delivery" in detail
    dry = lead_client.get(f"/automations/{a.pk}/dry-run").content.decode()
    assert "1 open case matches" in dry and vip.reference in dry and other.reference not in dry
    case_page = lead_client.get(f"/cases/{vip.pk}/").content.decode()
    assert "Automation: Tag deliveries" in case_page


def test_switch_and_reorder(desk, now, lead_client):
    a = automate(desk, now, name="A")
    b = automate(desk, now, name="B")
    assert lead_client.post(f"/automations/{a.pk}/toggle", {"active": "off"}).status_code == 302
    assert not Automation.objects.get(pk=a.pk).active
    lead_client.post(f"/automations/{b.pk}/move", {"position": "1"})
    assert list(Automation.objects.order_by("position").values_list("name", flat=True)) == [
        "B",
        "A",
    ]
    bad = lead_client.post(f"/automations/{b.pk}/move", {"position": "first!"})
    assert bad.status_code == 302


def test_agents_see_but_cannot_change(desk, now, agent_client):
    a = automate(desk, now)
    page = agent_client.get("/automations/").content.decode()
    assert "Tag deliveries" in page and "New automation" not in page
    assert agent_client.get(f"/automations/{a.pk}/").status_code == 200
    assert agent_client.post("/automations/new", form_data()).status_code == 403
    assert Automation.objects.count() == 1
    assert agent_client.get(f"/automations/{a.pk}/edit").status_code == 404
    assert agent_client.post(f"/automations/{a.pk}/toggle", {"active": "off"}).status_code == 404
    assert agent_client.post(f"/automations/{a.pk}/delete").status_code == 404
    assert Automation.objects.get(pk=a.pk).active
