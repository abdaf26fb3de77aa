"""The saved-view pages: sidebar counts in the inbox, creating a view, bulk summary."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.savedviews.models import SavedView
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


def test_create_a_view_and_refuse_bad_filter_json(lena, desk):
    bad = lena.post("/views/new", {"name": "X", "filters": "{nope"})
    assert bad.status_code == 400 and "not valid JSON" in bad.content.decode()
    assert not SavedView.objects.exists()
    made = lena.post(
        "/views/new",
        {"name": "Urgent", "filters": '{"priority": ["urgent"]}', "team": desk.billing.pk},
    )
    view = SavedView.objects.get()
    assert made["Location"] == f"/views/v{view.pk}/"
    assert view.team == desk.billing


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
