"""Staff work cases through the API: list, filter, page, read, open and change."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, MessageKind, Priority, Status, Ticket
from tests.api.conftest import assert_error, open_case


def make_cases(desk, now, count, **kw):
    return [
        open_case(desk, now + timedelta(minutes=i), subject=f"Case number {i}", **kw)
        for i in range(count)
    ]


def test_cursor_pagination_visits_every_case_once(desk, api, now):
    cases = make_cases(desk, now, 23)
    # Ties on updated_at must not lose or repeat cases: give five the same time.
    Ticket.objects.filter(pk__in=[c.pk for c in cases[:5]]).update(updated_at=now)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        body = api.manager.get("/api/v1/cases", params).json()
        assert len(body["items"]) <= 4
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 6
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == {c.pk for c in cases}
    # Newest activity first.
    times = [Ticket.objects.get(pk=pk).updated_at for pk in seen]
    assert times == sorted(times, reverse=True)


def test_exact_page_size_has_no_empty_trailing_page(desk, api, now):
    make_cases(desk, now, 4)
    body = api.manager.get("/api/v1/cases", {"limit": 4}).json()
    assert len(body["items"]) == 4 and body["next_cursor"] is None


def test_filters(desk, api, now):
    a, b, c = make_cases(desk, now, 3)
    actions.do_assign(a, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
    actions.do_change_priority(b, actor=desk.lead, priority=Priority.URGENT, now=now)
    actions.do_set_tags(c, actor=desk.lead, names=["Refund"], now=now)
    bobs = open_case(desk, now, customer=desk.bob, subject="Bob's printer")

    def ids(**params):
        response = api.manager.get("/api/v1/cases", params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids(assignee=desk.agent.pk) == {a.pk}
    assert ids(team=desk.billing.pk) == {a.pk}
    assert ids(status="open") == {a.pk}
    assert ids(priority="urgent") == {b.pk}
    assert ids(tag="refund") == {c.pk}
    assert ids(customer=desk.bob.pk) == {bobs.pk}
    assert ids(tier="vip") == {a.pk, b.pk, c.pk}
    assert ids(tier="standard") == {bobs.pk}
    assert ids(status="new", priority="urgent") == {b.pk}
    assert_error(api.manager.get("/api/v1/cases", {"status": "bogus"}), 422, "validation_error")


def test_search_with_q(desk, api, now):
    open_case(desk, now, subject="Parcel crushed", body="The box arrived crushed")
    open_case(desk, now, subject="Invoice wrong")
    body = api.manager.get("/api/v1/cases", {"q": "crushed"}).json()
    assert [item["subject"] for item in body["items"]] == ["Parcel crushed"]
    assert (
        api.manager.get("/api/v1/cases", {"q": "crushed", "priority": "urgent"}).json()["items"]
        == []
    )


def test_search_pages_with_a_cursor(desk, api, now):
    for i in range(5):
        open_case(desk, now + timedelta(minutes=i), subject=f"Broken kettle {i}")
    seen, cursor = [], None
    for _ in range(10):
        params = {"q": "kettle", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.manager.get("/api/v1/cases", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5


def test_agent_sees_only_cases_of_their_teams_or_unrouted(desk, api, now):
    mine = open_case(desk, now, team=desk.billing)
    theirs = open_case(desk, now, team=desk.delivery)
    unrouted = open_case(desk, now)
    listed = {item["id"] for item in api.agent.get("/api/v1/cases").json()["items"]}
    assert listed == {mine.pk, unrouted.pk}
    assert_error(api.agent.get(f"/api/v1/cases/{theirs.pk}"), 404, "not_found")


def test_case_detail_has_original_request_and_staff_fields(desk, api, now):
    ticket = open_case(desk, now, team=desk.billing)
    body = api.agent.get(f"/api/v1/cases/{ticket.pk}").json()
    assert body["original_request"] == "The van came at 7pm although I booked 8-12."
    assert body["reference"] == ticket.reference
    assert body["team"] == {"id": desk.billing.pk, "name": "Billing"}
    assert body["organization"]["tier"] == "vip"


def test_staff_opens_a_case_on_behalf_of_a_customer(desk, api, now):
    response = api.agent.post(
        "/api/v1/cases",
        {
            "customer_id": desk.bob.pk,
            "subject": "Phoned in: printer jams",
            "body": "Customer says the printer jams on every page.",
            "priority": "high",
            "team_id": desk.billing.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.customer == desk.bob
    assert ticket.channel == Channel.API
    assert ticket.priority == "high" and ticket.team == desk.billing
    assert body["customer"] == {"id": desk.bob.pk, "name": "Bob Small"}
    event = AuditEvent.objects.get(ticket=ticket, verb="created")
    assert event.actor == desk.agent


def test_staff_create_needs_a_real_customer_and_team(desk, api):
    base = {"subject": "s", "body": "b"}
    assert_error(api.agent.post("/api/v1/cases", base), 422, "customer_required")
    assert_error(
        api.agent.post("/api/v1/cases", {**base, "customer_id": 99999}), 422, "unknown_customer"
    )
    assert_error(
        api.agent.post("/api/v1/cases", {**base, "customer_id": desk.bob.pk, "team_id": 9999}),
        422,
        "unknown_team",
    )
    assert Ticket.objects.count() == 0


def test_create_refuses_unknown_fields(desk, api):
    response = api.agent.post(
        "/api/v1/cases",
        {"subject": "s", "body": "b", "customer_id": desk.bob.pk, "status": "closed"},
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "status"
    assert Ticket.objects.count() == 0


def test_domain_errors_are_clear(desk, api):
    error = assert_error(
        api.agent.post(
            "/api/v1/cases", {"subject": "   ", "body": "b", "customer_id": desk.bob.pk}
        ),
        400,
        "empty",
    )
    assert "subject" in error["message"]


def test_staff_patch_changes_status_priority_tags_and_assignment(desk, api, now):
    ticket = open_case(desk, now)
    response = api.lead.patch(
        f"/api/v1/cases/{ticket.pk}",
        {
            "assignee_id": desk.agent.pk,
            "team_id": desk.billing.pk,
            "handoff_note": "She called twice already.",
            "priority": "urgent",
            "tags": ["Delivery", "late"],
            "status": "waiting_us",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assignee"] == {"id": desk.agent.pk, "name": "Ada Agent"}
    assert body["team"]["id"] == desk.billing.pk
    assert body["priority"] == "urgent"
    assert body["tags"] == ["delivery", "late"]
    assert body["status"] == "waiting_us"
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert "She called twice already." in note.body
    verbs = set(ticket.events.values_list("verb", flat=True))
    assert {"assigned", "priority_changed", "tags_changed", "status_changed"} <= verbs


def test_staff_patch_unassigns_with_null(desk, api, now):
    ticket = open_case(desk, now)
    actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
    body = api.lead.patch(f"/api/v1/cases/{ticket.pk}", {"assignee_id": None}).json()
    assert body["assignee"] is None and body["team"]["id"] == desk.billing.pk


def test_patch_refusals_leave_the_case_unchanged(desk, api, now):
    ticket = open_case(desk, now)
    url = f"/api/v1/cases/{ticket.pk}"
    # Assignee outside the team: the whole patch rolls back, priority included.
    error = assert_error(
        api.lead.patch(
            url,
            {"priority": "urgent", "assignee_id": desk.other_agent.pk, "team_id": desk.billing.pk},
        ),
        400,
        "not_in_team",
    )
    assert "Billing" in error["message"]
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL and ticket.assignee is None
    assert_error(api.lead.patch(url, {"assignee_id": desk.alice.user.pk}), 422, "unknown_assignee")
    assert_error(api.lead.patch(url, {"status": None}), 422, "null_not_allowed")
    assert_error(api.lead.patch(url, {"handoff_note": "x"}), 422, "handoff_without_assignment")
    assert_error(api.lead.patch(url, {"tags": [f"t{i}" for i in range(30)]}), 400, "too_many_tags")
    assert_error(api.lead.patch(url, {"subject": "rewritten"}), 422, "validation_error")


def test_patch_with_nothing_is_a_no_op(desk, api, now):
    ticket = open_case(desk, now)
    before = ticket.events.count()
    assert api.lead.patch(f"/api/v1/cases/{ticket.pk}", {}).status_code == 200
    assert ticket.events.count() == before


def test_case_list_query_count_does_not_grow(desk, api, now, django_assert_max_num_queries):
    def add_cases(count):
        for ticket in make_cases(desk, now, count, team=desk.billing):
            actions.do_assign(
                ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now
            )
            actions.do_set_tags(ticket, actor=desk.lead, names=["a", "b"], now=now)

    def count_queries(expected):
        api.agent.get("/api/v1/cases")  # warm up: token last-used stamp, rate-limit counter
        with CaptureQueriesContext(connection) as ctx:
            response = api.agent.get("/api/v1/cases", {"limit": 100})
        assert response.status_code == 200
        assert len(response.json()["items"]) == expected
        return len(ctx.captured_queries)

    add_cases(2)
    few = count_queries(2)
    add_cases(20)
    assert count_queries(22) == few
    # Token, rate-limit counter (database cache), the page of cases and their tags.
    with django_assert_max_num_queries(16):
        api.agent.get("/api/v1/cases", {"limit": 100})


def test_message_list_query_count_does_not_grow(desk, api, now, settings):
    # The rate-limit counter counts per wall-clock minute: in the database cache, a new
    # minute between two requests changes their query counts. Count the endpoint's own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ticket = open_case(desk, now)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api.agent.get(f"/api/v1/cases/{ticket.pk}/messages").status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm up
    first = queries()
    for i in range(10):
        actions.do_reply(
            ticket, agent=desk.agent, body=f"reply {i}", now=now, status_after=Status.OPEN
        )
    assert queries() == first
