"""Search cost does not grow with its hits: bounded candidates, a capped count, the
snippets of the page's rows only, a constant number of queries, and the stored vectors
(not ``to_tsvector`` at query time) on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.tickets import actions, search
from caredesk.tickets.models import Channel
from caredesk.tickets.search import search_tickets


def _open(desk, now, n, *, subject="Kettle question", body="The kettle leaks.", **kw):
    return [
        actions.do_open_ticket(
            customer=desk.alice,
            subject=f"{subject} {i}",
            body=body,
            channel=Channel.API,
            now=now + timedelta(minutes=i),
            **kw,
        )
        for i in range(n)
    ]


def test_the_count_stops_at_the_cap(desk, now, monkeypatch):
    _open(desk, now, 12)
    exact = search_tickets(desk.manager, "kettle")
    assert (exact.total, exact.capped, exact.total_label) == (12, False, "12")
    monkeypatch.setattr(search, "RESULT_CAP", 5)
    capped = search_tickets(desk.manager, "kettle", per_page=2)
    assert (capped.total, capped.capped, capped.total_label) == (5, True, "5+")
    assert capped.pages == 3
    assert search_tickets(desk.manager, "kettle", page=4, per_page=2).tickets == []


def test_bounded_candidates_are_the_newest_matches(desk, now, monkeypatch):
    cases = _open(desk, now, 10)
    monkeypatch.setattr(search, "CANDIDATES", 4)
    page = search_tickets(desk.manager, "leaks", per_page=50)
    assert page.capped
    # Four entries (one message each): the four newest cases, whatever the rank says.
    newest = {c.pk for c in cases[-4:]} if connection.vendor == "postgresql" else None
    if newest is not None:
        assert {t.pk for t in page.tickets} == newest


def test_the_window_widens_to_the_same_answer(desk, now, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the newest-first window is PostgreSQL's; SQLite ranks FTS5 matches")
    old = _open(desk, now, 3, subject="Teapot", body="teapot spout")
    _open(desk, now + timedelta(hours=1), 20, subject="Other", body="nothing to see")
    whole = [t.pk for t in search_tickets(desk.manager, "teapot").tickets]
    monkeypatch.setattr(search, "WINDOWS", (5, 20, None))
    assert [t.pk for t in search_tickets(desk.manager, "teapot").tickets] == whole
    assert set(whole) == {c.pk for c in old}


def test_snippets_mark_the_match_and_escape_the_text(desk, now):
    (case,) = _open(
        desk,
        now,
        1,
        subject="Question",
        body='I want a refund <script>alert(1)</script> \ue000now\ue001 & "soon"',
    )
    page = search_tickets(desk.manager, "refund")
    snippet = page.snippets[case.pk]
    assert "<mark>refund</mark>" in snippet
    assert "<script" not in snippet and "&amp;" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert page.rows == [(case, snippet)]


def test_snippets_only_for_the_page(desk, now):
    _open(desk, now, 6)
    page = search_tickets(desk.manager, "leaks", per_page=2)
    assert len(page.tickets) == 2 and set(page.snippets) == {t.pk for t in page.tickets}


def _count(desk, client, q):
    client.force_login(desk.manager)
    client.get("/search", {"q": "warm-up"})
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/search", {"q": q})
    assert response.status_code == 200
    return len(captured)


def test_search_page_query_count_is_constant_in_hits(desk, now, client):
    _open(desk, now, 3, team=desk.billing)
    few = _count(desk, client, "kettle")
    _open(desk, now + timedelta(hours=1), 25, team=desk.delivery)
    many = _count(desk, client, "kettle")
    assert few == many
    # Session and user, then: newest id (PostgreSQL), candidates per source, ranking, the
    # customer-name lookup, the page's cases, snippets, organizations and tags.
    assert many <= 12, many


@pytest.mark.django_db
def test_search_reads_the_stored_vectors_through_an_index(desk, now):
    if connection.vendor != "postgresql":
        pytest.skip("stored tsvector columns and GIN indexes are PostgreSQL's")
    _open(desk, now, 2)
    with CaptureQueriesContext(connection) as captured:
        search_tickets(desk.agent, "kettle")
    candidates = [q["sql"] for q in captured if "@@" in q["sql"] and "LIMIT" in q["sql"]]
    assert len(candidates) == 2, captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in candidates:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "to_tsvector" not in plan, plan
            assert "search_english_gin" in plan or "search_simple_gin" in plan or "pkey" in plan
    for q in captured:
        assert "to_tsvector" not in q["sql"], q["sql"]
