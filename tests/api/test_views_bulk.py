"""Saved views and bulk actions through the API: same checks as the inbox."""

from __future__ import annotations

from caredesk.savedviews.models import SavedView
from caredesk.tickets.models import AuditEvent, Ticket

from .conftest import assert_error, open_case


def test_view_crud_and_cases(api, desk, now):
    urgent = open_case(desk, now, priority="urgent", team=desk.billing)
    open_case(desk, now, priority="low", team=desk.billing)
    made = api.agent.post(
        "/api/v1/views",
        {"name": "Urgent", "filters": {"priority": ["urgent"]}, "sort": "created"},
    )
    assert made.status_code == 201, made.content
    view = made.json()
    assert (view["count"], view["count_capped"], view["can_edit"]) == (1, False, True)
    cases = api.agent.get(f"/api/v1/views/{view['id']}/cases").json()
    assert [c["id"] for c in cases["items"]] == [urgent.pk]
    changed = api.agent.put(f"/api/v1/views/{view['id']}", {"name": "All", "filters": {}})
    assert changed.json()["count"] == 2
    assert [v["name"] for v in api.agent.get("/api/v1/views").json()["items"]] == ["All"]
    assert api.agent.delete(f"/api/v1/views/{view['id']}").status_code == 204
    assert not SavedView.objects.exists()


def test_a_team_view_is_not_found_for_another_team(api, desk):
    made = api.agent.post(
        "/api/v1/views", {"name": "Billing", "visibility": "team", "team_id": desk.billing.pk}
    ).json()
    assert api.lead.get(f"/api/v1/views/{made['id']}").status_code == 200
    assert_error(api.other_agent.get(f"/api/v1/views/{made['id']}"), 404, "not_found")
    assert_error(api.other_agent.delete(f"/api/v1/views/{made['id']}"), 404)
    assert_error(api.alice.get("/api/v1/views"), 403)


def test_hostile_filters_are_refused_with_the_field(api):
    for filters in ({"status": "x"}, {"nope": 1}, {"team": ["1 OR 1=1"]}, {"tags": [["a"]]}):
        error = assert_error(
            api.agent.post("/api/v1/views", {"name": "X", "filters": filters}), 422
        )
        assert error["details"][0]["field"] in ("filters", "status", "team", "tags")
    assert_error(api.agent.post("/api/v1/views", raw="{not json"), 400)
    assert not SavedView.objects.exists()


def test_bulk_partly_refused(api, desk, now):
    mine = open_case(desk, now, team=desk.billing)
    theirs = open_case(desk, now, team=desk.delivery)
    response = api.agent.post(
        "/api/v1/cases/bulk",
        {"case_ids": [mine.pk, theirs.pk], "op": "priority", "priority": "high"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] == [mine.pk]
    assert body["refused"] == [
        {"case_id": theirs.pk, "code": "not_found", "reason": "Not found, or not yours to see."}
    ]
    assert Ticket.objects.get(pk=theirs.pk).priority == "normal"
    assert AuditEvent.objects.filter(ticket=mine, verb="priority_changed").count() == 1


def test_bulk_oversized_or_malformed_is_refused_whole(api, desk, now):
    case = open_case(desk, now, team=desk.billing)
    big = api.agent.post("/api/v1/cases/bulk", {"case_ids": list(range(1, 502)), "op": "close"})
    assert "at most 500" in assert_error(big, 422, "selection_too_large")["message"]
    assert_error(
        api.agent.post("/api/v1/cases/bulk", {"case_ids": [case.pk], "op": "explode"}), 422
    )
    assert_error(api.agent.post("/api/v1/cases/bulk", {"case_ids": "all", "op": "close"}), 422)
    assert_error(api.alice.post("/api/v1/cases/bulk", {"case_ids": [case.pk], "op": "close"}), 403)
    assert Ticket.objects.get(pk=case.pk).status != "closed"
