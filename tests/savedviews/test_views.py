"""Saved views: filters, sharing, capped counts, hostile filter input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.core.errors import InvalidInput, NotFound, PermissionDenied
from caredesk.core.models import Event
from caredesk.savedviews import selectors
from caredesk.savedviews.actions import ViewData, do_create_view, do_delete_view, do_update_view
from caredesk.savedviews.filters import check_filters, parse_filters_json
from caredesk.savedviews.models import SavedView
from caredesk.tickets import actions
from tests.savedviews.conftest import open_case

pytestmark = pytest.mark.django_db


def test_filters_select_cases_by_priority_tag_channel_and_tier(desk, now):
    urgent = open_case(desk, now, priority="urgent")
    open_case(desk, now, priority="low")
    tagged = open_case(desk, now, customer=desk.bob, channel="email")
    actions.do_set_tags(tagged, actor=desk.agent, names=["refund"], now=now)
    f = check_filters
    ids = lambda flt: set(selectors.cases(desk.agent, flt).values_list("pk", flat=True))  # noqa: E731
    assert ids(f({"priority": ["urgent"]})) == {urgent.pk}
    assert ids(f({"tags": ["Refund"]})) == {tagged.pk}
    assert ids(f({"channel": ["email"]})) == {tagged.pk}
    assert ids(f({"tier": ["standard"]})) == {tagged.pk}


def test_assignee_and_state_filters(desk, now):
    mine = open_case(desk, now)
    actions.do_assign(mine, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=now)
    free = open_case(desk, now)
    done = open_case(desk, now)
    actions.do_change_status(done, actor=desk.agent, status="closed", now=now)
    ids = lambda raw: set(  # noqa: E731
        selectors.cases(desk.agent, check_filters(raw)).values_list("pk", flat=True)
    )
    assert ids({"assignee": "me"}) == {mine.pk}
    assert ids({"assignee": "none"}) == {free.pk}
    assert ids({"state": "done"}) == {done.pk}
    assert ids({"state": "any"}) == {mine.pk, free.pk, done.pk}


def test_a_view_never_shows_cases_the_user_may_not_see(desk, now):
    open_case(desk, now, team=desk.delivery)
    flt = check_filters({"state": "any"})
    assert selectors.cases(desk.agent, flt).count() == 0
    assert selectors.cases(desk.other_agent, flt).count() == 1


def test_a_view_shared_with_team_a_is_not_visible_to_team_b(desk, now):
    view = do_create_view(
        actor=desk.agent,
        data=ViewData(name="Billing urgent", visibility="team", team=desk.billing),
        now=now,
    )
    assert selectors.get_view(desk.lead, view.pk) == view
    with pytest.raises(NotFound):
        selectors.get_view(desk.other_agent, view.pk)
    assert list(selectors.visible_views(desk.other_agent)) == []


def test_personal_views_are_only_their_owners(desk, now):
    view = do_create_view(actor=desk.agent, data=ViewData(name="Mine urgent"), now=now)
    with pytest.raises(NotFound):
        selectors.get_view(desk.lead, view.pk)
    with pytest.raises(PermissionDenied):
        do_delete_view(actor=desk.lead, view=view, now=now)


def test_sharing_with_a_team_you_are_not_in_is_refused(desk, now):
    with pytest.raises(PermissionDenied):
        do_create_view(
            actor=desk.agent,
            data=ViewData(name="Theirs", visibility="team", team=desk.delivery),
            now=now,
        )
    assert not SavedView.objects.exists()


def test_changes_are_audited(desk, now):
    view = do_create_view(actor=desk.agent, data=ViewData(name="A"), now=now)
    do_update_view(
        actor=desk.agent,
        view=view,
        data=ViewData(name="B", filters={"priority": ["high"]}),
        now=now,
    )
    do_delete_view(actor=desk.agent, view=view, now=now)
    kinds = list(Event.objects.filter(kind__startswith="view.").values_list("kind", flat=True))
    assert sorted(kinds) == ["view.created", "view.deleted", "view.updated"]


@pytest.mark.parametrize(
    "raw",
    [
        [],
        "status",
        {"status": "bogus"},
        {"status": [["nested"]]},
        {"priority": ["urgent"] * 21},
        {"team": ["1; DROP TABLE"]},
        {"team": [True]},
        {"assignee": {"$ne": None}},
        {"tags": ["x" * 51]},
        {"sla": "later"},
        {"__class__": 1},
        {"status": ["new"], "assignee": "x" * 10_000},
    ],
)
def test_hostile_or_malformed_filters_are_refused_and_nothing_is_saved(desk, now, raw):
    with pytest.raises(InvalidInput):
        check_filters(raw)
    with pytest.raises(InvalidInput):
        do_create_view(actor=desk.agent, data=ViewData(name="Bad", filters=raw), now=now)
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("text", ["{", "[" * 5000, '{"a": 1}', "x" * 5000, '"just a string"'])
def test_malformed_filter_json_is_refused(text):
    with pytest.raises(InvalidInput):
        parse_filters_json(text)


def test_counts_are_capped(desk, now):
    for _ in range(4):
        open_case(desk, now)
    count = selectors.capped_count(desk.agent, check_filters({}), cap=3)
    assert (count.value, count.capped, count.label) == (3, True, "3+")
    exact = selectors.capped_count(desk.agent, check_filters({}), cap=10)
    assert (exact.value, exact.capped, exact.label) == (4, False, "4")


def test_the_sidebar_costs_one_query_per_view(desk, now):
    open_case(desk, now)
    for name in ("One", "Two", "Three"):
        do_create_view(actor=desk.agent, data=ViewData(name=name), now=now)
    with CaptureQueriesContext(connection) as queries:
        entries = selectors.sidebar(desk.agent)
    assert [e.name for e in entries][:4] == ["Mine", "My teams", "Unassigned", "All open"]
    assert len(entries) == 7
    # One list of views, one count per entry.
    assert len(queries) == 1 + 7
