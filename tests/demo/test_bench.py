"""The benchmark's data generator writes rows of the same shape the actions write."""

from __future__ import annotations

import argparse
import random

import pytest

from bench.datagen import Generator, make_customers
from bench.run import _sizes, _table
from caredesk.demo.people import ensure_people
from caredesk.tickets.models import Message, SearchEntry, Status, Ticket
from caredesk.tickets.search import search_tickets
from tests.conftest import NOW


def test_generated_rows_are_consistent_and_searchable(db):
    desk = ensure_people(NOW)
    rng = random.Random(1)
    customers = make_customers(rng, 50, list(desk.orgs.values()))
    Generator(desk, customers, rng, NOW).add(300)
    assert Ticket.objects.count() == 300
    for ticket in Ticket.objects.prefetch_related("messages", "events"):
        messages = list(ticket.messages.all())
        assert ticket.message_count == len(messages)
        assert messages[0].body == ticket.original_request
        assert ticket.events.all()[0].verb == "created"
        assert ticket.created_at <= ticket.updated_at <= NOW
        if ticket.status == Status.NEW:
            assert ticket.assignee_id is None
    assert SearchEntry.objects.count() == 300 + Message.objects.count()
    hits = search_tickets(desk.staff["max"], "delivery")
    assert hits.total > 0


@pytest.mark.parametrize("text", ["", "ten", "10,abc", "-5", "50", "10**9", "99999999999"])
def test_bench_sizes_refuse_malformed_input(text):
    with pytest.raises(argparse.ArgumentTypeError):
        _sizes(text)


def test_bench_sizes_are_sorted_and_deduplicated():
    assert _sizes("100000,10_000,10000") == [10_000, 100_000]


def test_bench_table_renders_every_measurement():
    row = {
        "size": 10_000,
        "open_ms": 3.0,
        "open_per_s": 300.0,
        "inbox_agent_ms": 1.0,
        "inbox_manager_ms": 2.0,
        "search_agent_ms": 3.0,
        "search_manager_ms": 4.0,
        "case_page_ms": 5.0,
    }
    table = _table([{"vendor": "sqlite", "version": "3.40.1", "rows": [row]}])
    assert "| sqlite 3.40.1 | 10,000" in table
    assert "300" in table and "5.0 ms" in table
