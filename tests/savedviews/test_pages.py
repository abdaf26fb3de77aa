"""The saved-view pages: sidebar counts in the inbox, creating a view, bulk summary."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.core.models import Event
from caredesk.savedviews import forms
from caredesk.savedviews.models import SavedView
from caredesk.tickets import actions
from caredesk.tickets.models import Ticket
from tests.savedviews.conftest import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena(desk):
    client = Client()
    client.force_login(desk.lead)
    return client


def test_inbox_sidebar_shows_builtin_and_saved_views_with_counts(lena, desk, now):
    open_case(desk, now)
    SavedView.objects.create(
        name="Billing <b>all</b>", owner=desk.lead, filters={}, created_at=now, updated_at=now
    )
    assert 'hx-get="/views/sidebar' in lena.get("/").content.decode()
    page = lena.get("/views/sidebar").content.decode()
    assert 'Unassigned</a> <span class="badge"' in page
    assert "Billing &lt;b&gt;all&lt;/b&gt;" in page


def test_create_a_view_from_the_form_and_keep_what_was_typed_on_an_error(lena, desk):
    bad = lena.post(
        "/views/new", {"name": "Urgent billing", "priority": ["urgent", "nonsense"], "tags": "vip"}
    )
    body = bad.content.decode()
    assert bad.status_code == 400 and "is not one of the choices" in body
    assert not SavedView.objects.exists()
    assert 'value="Urgent billing"' in body and 'value="vip"' in body  # nothing typed is lost
    made = lena.post(
        "/views/new",
        {
            "name": "Urgent billing",
            "share": desk.billing.pk,
            "state": "open",
            "priority": ["urgent", "high"],
            "team": [desk.billing.pk],
            "tags": "vip, refund",
            "sla": "breached",
            "sort": "waiting",
            "columns": ["subject", "tags", "sla"],
        },
    )
    view = SavedView.objects.get()
    assert made["Location"] == f"/views/v{view.pk}/"
    assert view.team == desk.billing and view.sort == "waiting"
    assert view.filters == {
        "priority": ["high", "urgent"],
        "team": [desk.billing.pk],
        "tags": ["refund", "vip"],
        "sla": "breached",
        "state": "open",
    }
    assert view.columns == ["subject", "tags", "sla"]


def test_a_view_shows_its_chosen_columns(lena, desk, now):
    case = open_case(desk, now, subject="Refund for order 1042")
    actions.do_set_tags(case, actor=desk.lead, names=["refund-req"], now=now)
    view = SavedView.objects.create(
        name="Tags only",
        owner=desk.lead,
        filters={},
        columns=["tags", "customer"],
        created_at=now,
        updated_at=now,
    )
    page = lena.get(f"/views/v{view.pk}/").content.decode()
    header = page[page.index("<thead>") : page.index("</thead>")]
    assert "Tags" in header and "Customer" in header and "Subject" not in header
    assert "refund-req" in page and "Refund for order 1042" not in page


def test_edit_a_view_keeps_filters_the_form_does_not_show(lena, desk, now, monkeypatch):
    # A filter only the API sets (as a newer filter would be) survives an edit here.
    shown = tuple(k for k in forms.FORM_FILTERS if k != "sla")
    monkeypatch.setattr(forms, "FORM_FILTERS", shown)
    view = SavedView.objects.create(
        name="Mine",
        owner=desk.lead,
        filters={"priority": ["high"], "sla": "breached"},
        created_at=now,
        updated_at=now,
    )
    page = lena.get(f"/views/v{view.pk}/edit").content.decode()
    assert 'value="Mine"' in page and "<code>sla</code>" in page
    assert 'value="high" checked' in page
    done = lena.post(f"/views/v{view.pk}/edit", {"name": "Mine, urgent", "priority": ["urgent"]})
    assert done.status_code == 302 and done["Location"] == f"/views/v{view.pk}/"
    view.refresh_from_db()
    assert view.name == "Mine, urgent"
    assert view.filters["priority"] == ["urgent"] and view.filters["sla"] == "breached"
    assert Event.objects.filter(kind="view.updated").exists()


def test_delete_a_view(lena, desk, now):
    view = SavedView.objects.create(name="Old", owner=desk.lead, created_at=now, updated_at=now)
    assert lena.post(f"/views/v{view.pk}/delete")["Location"] == "/views/"
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_only_who_may_change_a_view_can_edit_or_delete_it(desk, now):
    view = SavedView.objects.create(name="Ada's", owner=desk.agent, created_at=now, updated_at=now)
    client = Client()
    client.force_login(desk.other_agent)
    assert client.get(f"/views/v{view.pk}/edit").status_code == 404
    assert client.post(f"/views/v{view.pk}/edit", {"name": "Mine now"}).status_code == 404
    assert client.post(f"/views/v{view.pk}/delete").status_code == 404
    assert client.post("/views/mine/delete").status_code == 404  # built-in views stay
    view.refresh_from_db()
    assert view.name == "Ada's"


@pytest.mark.parametrize(
    "post",
    [
        {"name": "<script>alert(1)</script>", "tags": "<b>x</b>"},
        {"name": "x" * 10_000},
        {"name": "Many", "status": ["new"] * 100},
        {"name": "Cols", "columns": ["subject", "password"]},
        {"name": "Sort", "sort": "'; DROP TABLE cases; --"},
        {"name": "Who", "assignee": "everyone"},
        {"name": "Team", "team": ["abc"]},
        {"name": "Nul\x00"},
    ],
)
def test_hostile_form_input_is_refused_with_a_message_and_nothing_saved(lena, post):
    response = lena.post("/views/new", post)
    body = response.content.decode()
    if response.status_code == 302:  # escaped and accepted as text (a name, a tag)
        view = SavedView.objects.get()
        assert "<script>" not in lena.get(response["Location"]).content.decode()
        assert view.name == post["name"]
        return
    assert response.status_code == 400 and 'role="alert"' in body
    assert "<script>" not in body
    assert not SavedView.objects.exists()


def test_bulk_assign_all_matching_shows_the_summary(lena, desk, now):
    cases = [open_case(desk, now) for _ in range(3)]
    page = lena.get("/views/unassigned/").content.decode()
    assert all(f'value="{c.pk}"' in page for c in cases)
    done = lena.post(
        "/views/bulk",
        {"view": "unassigned", "all_matching": "1", "op": "assign", "assignee": desk.agent.pk},
    )
    body = done.content.decode()
    assert "Assign: 3 changed, 0 already so, 0 refused" in body
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {desk.agent.pk}


def test_bulk_with_nothing_selected_says_so(lena):
    response = lena.post("/views/bulk", {"view": "mine", "op": "close"})
    assert response.status_code == 400
    assert "Select at least one case." in response.content.decode()


def test_someone_elses_view_is_not_found(desk, now):
    view = SavedView.objects.create(name="Ada's", owner=desk.agent, created_at=now, updated_at=now)
    client = Client()
    client.force_login(desk.other_agent)
    assert client.get(f"/views/v{view.pk}/").status_code == 404
    assert client.get("/views/v99999999999999/").status_code == 404
