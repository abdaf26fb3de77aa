"""The API's open-cases list is a keyset walk on PostgreSQL: at a deep cursor the planner
reads an index in order from the cursor on, never the whole table, never a sort of every
row. Thousands of cases are inserted in the test's transaction and the table analysed, so
the planner's choice is its own (no ``enable_seqscan = off``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.tickets.models import Channel, Status, Ticket
from tests.api.conftest import ApiClient, token_for

CASES = 6000
# Half the cases open: 3,000 open cases, most of them after the cursor, so fetching all
# of them and sorting would be a real cost, not a few rows.
STATUSES = (Status.OPEN, Status.CLOSED, Status.OPEN, Status.RESOLVED, Status.OPEN, Status.NEW)
PAGE = 100
DEPTH = 5  # 400 open cases before the cursor, 2,600 after it


def _cases(desk, now) -> None:
    Ticket.objects.bulk_create(
        (
            Ticket(
                subject=f"Case {i}",
                status=STATUSES[i % len(STATUSES)],
                channel=Channel.API,
                customer=desk.alice,
                original_request="Where is my parcel?",
                created_at=now - timedelta(minutes=i),
                updated_at=now - timedelta(minutes=i),
            )
            for i in range(CASES)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


# The open cases (a partial index) and every case (the list without filters).
LISTS = {"open": "status=open&", "all": ""}


def _deep_list_query(desk, now, which: str = "open") -> tuple[str, list[dict[str, Any]]]:
    api = ApiClient(token_for(desk.admin, now))
    path = f"/api/v1/cases?{LISTS[which]}limit={PAGE}"
    for _ in range(DEPTH - 1):
        body = api.get(path).json()
        path = f"/api/v1/cases?{LISTS[which]}limit={PAGE}&cursor={body['next_cursor']}"
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == PAGE
    if which == "open":
        assert {c["status"] for c in items} == {"open"}
    listing = [
        q["sql"] for q in captured if 'FROM "tickets_ticket"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert len(listing) == 1, captured.captured_queries
    return listing[0], items


@pytest.mark.parametrize("which", sorted(LISTS))
def test_a_deep_page_of_cases_is_an_index_walk_from_the_cursor(desk, now, which):
    if connection.vendor != "postgresql":
        pytest.skip("the planner's choice is PostgreSQL's (SQLite is checked below)")
    _cases(desk, now)
    sql, items = _deep_list_query(desk, now, which)
    # The page is the right one: newest activity first, the 5th hundred of those cases.
    listed = Ticket.objects.filter(status=Status.OPEN) if which == "open" else Ticket.objects
    expected = list(listed.order_by("-updated_at", "-id").values_list("pk", flat=True))
    assert [c["id"] for c in items] == expected[(DEPTH - 1) * PAGE : DEPTH * PAGE]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (raw,) = cursor.fetchone()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    nodes = _nodes(plan)
    text = json.dumps(plan, indent=1)
    on_cases = [n for n in nodes if n.get("Relation Name") == "tickets_ticket"]
    assert on_cases, text
    assert all(n["Node Type"] in ("Index Scan", "Index Only Scan") for n in on_cases), text
    assert not [n for n in nodes if n["Node Type"] == "Sort"], text
    # A keyset walk starts at the cursor: the index condition holds the cursor's time,
    # and the scan reads about one page, neither the 400 open cases before it nor the 2,500 after.
    (scan,) = on_cases
    assert "updated_at" in scan.get("Index Cond", ""), text
    read = scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)
    assert read <= 2 * PAGE, text


@pytest.mark.parametrize("which", sorted(LISTS))
def test_sqlite_walks_an_index_for_a_deep_page_too(desk, now, which):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN; PostgreSQL is checked above")
    _cases(desk, now)
    sql, _ = _deep_list_query(desk, now, which)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "SCAN tickets_ticket\n" not in plan + "\n", plan  # a full scan names no index
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
