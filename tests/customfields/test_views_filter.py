"""Saved views filter on custom fields ("field:<key>": value) and show them as columns;
the API's case list filters on them (field=key=value)."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.core.errors import InvalidInput
from caredesk.customfields.actions import do_set_field_values
from caredesk.savedviews import selectors
from caredesk.savedviews.actions import ViewData, do_create_view
from caredesk.savedviews.filters import check_filters
from tests.api.conftest import assert_error

from .conftest import define, open_case


@pytest.fixture
def cases(desk, now):
    define(desk, now, key="reason", label="Reason", kind="select", options=["late", "damaged"])
    define(desk, now, key="amount", label="Amount", kind="number")
    late = open_case(desk, now, subject="Late one")
    damaged = open_case(desk, now, subject="Damaged one")
    do_set_field_values(late, actor=desk.agent, values={"reason": "late", "amount": 5}, now=now)
    do_set_field_values(damaged, actor=desk.agent, values={"reason": "damaged"}, now=now)
    return late, damaged


def test_a_view_filters_on_a_field(desk, now, cases):
    late, _ = cases
    found = selectors.cases(desk.agent, check_filters({"field:reason": "late"}))
    assert list(found) == [late]
    found = selectors.cases(desk.agent, check_filters({"field:amount": "5.0"}))
    assert list(found) == [late]
    # A key nobody defined, or one this user does not see, matches nothing.
    assert not selectors.cases(desk.agent, check_filters({"field:nope": "x"})).exists()


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"field:reason": "lost"}, "not one of its options"),
        ({"field:nope": "x"}, "no case field"),
        ({"field:Bad Key": "x"}, "not a field filter"),
        ({"field:reason": "x" * 600}, "at most"),
        ({"field:reason": ["late"]}, "one value"),
    ],
)
def test_saving_a_view_checks_its_field_filters(desk, now, cases, filters, words):
    with pytest.raises(InvalidInput) as refused:
        do_create_view(actor=desk.agent, data=ViewData(name="Mine", filters=filters), now=now)
    assert words in refused.value.message


def test_the_view_page_shows_a_field_column_and_the_form_edits_filters(desk, now, cases):
    client = Client()
    client.force_login(desk.agent)
    form = client.get("/views/").content.decode()
    assert 'value="field:reason"' in form and 'name="field_filters"' in form
    response = client.post(
        "/views/new",
        {
            "name": "Late ones",
            "state": "open",
            "field_filters": "reason=late",
            "columns": ["subject", "field:reason"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(response["Location"]).content.decode()
    assert "Late one" in page and "Damaged one" not in page
    assert '<th scope="col">Reason</th>' in page and "<td>late</td>" in page
    refused = client.post(
        "/views/new", {"name": "Bad", "state": "open", "field_filters": "reason=<script>"}
    )
    assert refused.status_code == 400 and "<script>" not in refused.content.decode()


def test_the_api_case_list_filters_on_a_field(desk, now, api, cases):
    late, _ = cases
    items = api.agent.get("/api/v1/cases", {"field": "reason=late"}).json()["items"]
    assert [c["id"] for c in items] == [late.pk]
    assert_error(api.agent.get("/api/v1/cases", {"field": "reason=lost"}), 422)
    assert_error(api.agent.get("/api/v1/cases", {"field": "nope=1"}), 422)
    assert_error(api.alice.get("/api/v1/cases", {"field": "reason=late"}), 403)
