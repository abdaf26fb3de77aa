"""The macros page, the form's errors, and the reply box picker's fragments."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.macros.models import Macro, MacroUse, Scope
from caredesk.tickets.models import Status
from tests.case_page import case_page_html

from .conftest import make_macro


@pytest.fixture
def agent_client(desk):
    client = Client()
    client.force_login(desk.agent)
    return client


def form_data(**kw):
    data = {
        "title": "Slot confirmed",
        "scope": "personal",
        "body": "Hi {{ customer.first_name }}",
        "active": "on",
    }
    data.update(kw)
    return data


def test_the_list_has_an_empty_state_and_usage_counts(desk, now, agent_client, case):
    page = agent_client.get("/macros/")
    assert page.status_code == 200
    assert "No macros yet" in page.content.decode()
    macro = make_macro(desk.agent, now)
    from caredesk.macros.actions import do_apply_macro

    do_apply_macro(desk.agent, case, macro, now)
    html = agent_client.get("/macros/").content.decode()
    assert "Delivery apology" in html
    assert '<td class="macro-uses">1</td>' in html


def test_an_agent_saves_a_personal_macro(desk, agent_client):
    response = agent_client.post("/macros/new", form_data())
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.owner == desk.agent and macro.scope == Scope.PERSONAL


def test_the_form_says_what_is_wrong_and_keeps_the_text(desk, agent_client):
    response = agent_client.post("/macros/new", form_data(body="Hi {{ customer.nickname }}"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Unknown placeholder {{ customer.nickname }}" in html
    assert "Hi {{ customer.nickname }}" in html  # what was typed is kept
    assert not Macro.objects.exists()


def test_an_agent_cannot_save_a_global_macro_from_the_form(desk, agent_client):
    response = agent_client.post("/macros/new", form_data(scope="global"))
    assert response.status_code == 403
    assert "Only leads, managers and admins" in response.content.decode()
    assert not Macro.objects.exists()


def test_an_agent_cannot_open_or_delete_a_global_macro(desk, now, agent_client):
    shared = make_macro(desk.admin, now, scope=Scope.GLOBAL)
    assert agent_client.get(f"/macros/{shared.pk}/edit").status_code == 404
    assert agent_client.post(f"/macros/{shared.pk}/delete").status_code == 404
    assert Macro.objects.filter(pk=shared.pk).exists()


def test_oversized_and_hostile_form_posts_are_refused(desk, agent_client):
    big = agent_client.post("/macros/new", form_data(body="x" * 1_000_000))
    assert big.status_code in (400, 413)
    tags = agent_client.post("/macros/new", form_data(body="{% debug %}"))
    assert tags.status_code == 400
    assert "Template tags" in tags.content.decode()
    junk = agent_client.post(
        "/macros/new", form_data(team="not-a-number", promise_due_minutes="-5")
    )
    assert junk.status_code == 400
    assert not Macro.objects.exists()


def test_the_case_page_has_the_picker(desk, agent_client, case):
    html = case_page_html(agent_client, case.pk)
    assert 'id="macro-picker"' in html and "Ctrl</kbd>+<kbd>M" in html


def test_picker_preview_and_apply_fragments(desk, now, agent_client, case):
    macro = make_macro(desk.agent, now, set_status=Status.WAITING_CUSTOMER)
    found = agent_client.get(f"/macros/cases/{case.pk}/picker", {"q": "apology"})
    assert f'data-macro="{macro.pk}"' in found.content.decode()
    none = agent_client.get(f"/macros/cases/{case.pk}/picker", {"q": "zzz<script>"})
    assert "No macro matches" in none.content.decode()
    assert "<script>" not in none.content.decode()
    preview = agent_client.get(f"/macros/cases/{case.pk}/{macro.pk}/preview").content.decode()
    assert "Hi Alice, sorry." in preview and "Set status to Waiting on customer" in preview
    applied = agent_client.post(
        f"/macros/cases/{case.pk}/{macro.pk}/apply", headers={"HX-Request": "true"}
    )
    html = applied.content.decode()
    assert applied.status_code == 200
    assert '<template class="macro-applied-text">Hi Alice, sorry.</template>' in html
    assert "Done: Set status to Waiting on customer" in html
    case.refresh_from_db()
    assert case.status == Status.WAITING_CUSTOMER


def test_apply_without_script_shows_the_text_on_the_case_page_once(desk, now, agent_client, case):
    macro = make_macro(desk.agent, now, add_tags=["x"])
    response = agent_client.post(f"/macros/cases/{case.pk}/{macro.pk}/apply")
    use = MacroUse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/?macro_use={use.pk}#reply"
    html = agent_client.get(response["Location"]).content.decode()
    assert '<pre class="words macro-text macro-applied-text">Hi Alice, sorry.</pre>' in html
    assert "Done: Add tags x" in html
    assert "applied the macro “Delivery apology”" in html  # the timeline line
    # Someone else's use, or another case's, shows nothing.
    other = Client()
    other.force_login(desk.lead)
    page = other.get(f"/cases/{case.pk}/?macro_use={use.pk}").content.decode()
    assert "macro-applied-text" not in page
    assert (
        "macro-applied-text"
        not in agent_client.get(f"/cases/{case.pk}/?macro_use=abc").content.decode()
    )


def test_a_case_or_macro_the_agent_may_not_see_is_not_found(desk, now, case):
    other = Client()
    other.force_login(desk.other_agent)  # Delivery: cannot see a Billing case
    macro = make_macro(desk.other_agent, now)
    assert other.get(f"/macros/cases/{case.pk}/picker").status_code == 404
    assert other.post(f"/macros/cases/{case.pk}/{macro.pk}/apply").status_code == 404
    team_macro = make_macro(desk.lead, now, scope=Scope.TEAM, team=desk.billing)
    mine = Client()
    mine.force_login(desk.agent)
    # Ada sees the case, but Otto's personal macro is not hers to apply; her team's is.
    assert mine.post(f"/macros/cases/{case.pk}/{macro.pk}/apply").status_code == 404
    assert mine.get(f"/macros/cases/{case.pk}/{team_macro.pk}/preview").status_code == 200


@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "q=%ED%A0%80", "q=" + "x" * 5000, "q=%25", "q=_", "q=' OR 1=1 --"]
)
def test_hostile_picker_searches_are_harmless(desk, now, agent_client, case, query):
    make_macro(desk.agent, now)
    response = agent_client.get(f"/macros/cases/{case.pk}/picker?{query}")
    assert response.status_code == 200


def test_the_picker_costs_the_same_for_3_or_15_macros(desk, now, agent_client, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(f"/macros/cases/{case.pk}/picker").status_code == 200
        return len(queries)

    for i in range(3):
        make_macro(desk.lead, now, title=f"Team {i}", scope=Scope.TEAM, team=desk.billing)
    few = count()
    for i in range(12):
        make_macro(desk.agent, now, title=f"Mine {i}", set_team=desk.billing)
    assert count() == few


def test_a_lead_sees_and_edits_their_teams_macros_on_the_page(desk, now, case):
    billing = make_macro(
        desk.manager, now, scope=Scope.TEAM, team=desk.billing, title="Billing one"
    )
    delivery = make_macro(
        desk.manager, now, scope=Scope.TEAM, team=desk.delivery, title="Delivery one"
    )
    lead = Client()
    lead.force_login(desk.lead)
    html = lead.get("/macros/").content.decode()
    assert "Billing one" in html and "Delivery one" not in html
    assert f'href="/macros/{billing.pk}/edit"' in html
    assert lead.get(f"/macros/{delivery.pk}/edit").status_code == 404
    saved = lead.post(
        f"/macros/{billing.pk}/edit",
        form_data(title="Billing one, edited", scope="team", team=str(desk.billing.pk)),
    )
    assert saved.status_code == 302
    assert Macro.objects.get(pk=billing.pk).title == "Billing one, edited"
