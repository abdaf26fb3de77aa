"""Helpers for batch writes (caredesk.core.bulk)."""

from __future__ import annotations

import pytest
from django.db import connection

from caredesk.core.bulk import parameters_apart, update_rows

pytestmark = pytest.mark.django_db


def test_values_apart_only_inside_the_block_even_when_it_fails():
    connection.ensure_connection()
    before = type(connection.cursor().cursor)
    with pytest.raises(RuntimeError), parameters_apart():
        inside = type(connection.cursor().cursor)
        raise RuntimeError("the block failed")
    assert type(connection.cursor().cursor) is before
    if connection.vendor == "postgresql":
        from django.db.backends.postgresql.base import ServerBindingCursor

        assert inside is ServerBindingCursor and before is not ServerBindingCursor
    else:
        assert inside is before  # nothing to change on SQLite


def test_a_statement_inside_the_block_sends_its_values_apart():
    with parameters_apart(), connection.cursor() as cursor:
        cursor.execute("SELECT %s, %s", [b"\x00\xff", "it's"])
        assert cursor.fetchone() == (b"\x00\xff", "it's")


@pytest.fixture
def raw_rows():
    from caredesk.channels.email.models import RawMessage

    return [
        RawMessage.objects.create(
            channel="pipe", rfc_message_id=f"<{i}@x>", sha256=str(i), size=1, raw=b"x"
        )
        for i in range(3)
    ]


def test_update_rows_writes_each_row_its_own_values(raw_rows, desk, now):
    from caredesk.channels.email.models import RawMessage
    from caredesk.tickets.models import Ticket

    ticket = Ticket.objects.create(subject="Case", customer=desk.alice)
    a, b, c = raw_rows
    a.state, a.error, a.processed_at, a.ticket = "processed", "", now, ticket
    b.state, b.error, b.processed_at, b.ticket = "quarantined", 'it\'s \\ "bad"\n{x,y}', None, None
    c.state, c.error = "bounce", "ünïcode ✓"
    update_rows([a, b], ["state", "error", "processed_at", "ticket"])
    update_rows([c], ["state", "error"])
    got = {r.pk: (r.state, r.error, r.processed_at, r.ticket_id) for r in RawMessage.objects.all()}
    assert got == {
        a.pk: ("processed", "", now, ticket.pk),
        b.pk: ("quarantined", 'it\'s \\ "bad"\n{x,y}', None, None),
        c.pk: ("bounce", "ünïcode ✓", None, None),
    }


def test_update_rows_with_a_column_of_nulls_only(raw_rows):
    from caredesk.channels.email.models import RawMessage

    for row in raw_rows:
        row.processed_at, row.message_id = None, None
    update_rows(raw_rows, ["processed_at", "message"])
    assert set(RawMessage.objects.values_list("processed_at", "message_id")) == {(None, None)}


def test_update_rows_with_the_same_row_twice_keeps_the_last(raw_rows):
    from caredesk.channels.email.models import RawMessage

    first, again = raw_rows[0], RawMessage.objects.get(pk=raw_rows[0].pk)
    first.state, again.state = "processed", "duplicate"
    update_rows([first, again], ["state"])
    assert RawMessage.objects.get(pk=first.pk).state == "duplicate"


def test_update_rows_is_one_round_trip(raw_rows, django_assert_num_queries):
    from caredesk.channels.email.models import RawMessage

    for row in raw_rows:
        row.state = "processed"
    # One executemany (psycopg pipelines it on PostgreSQL).
    with django_assert_num_queries(1):
        update_rows(raw_rows, ["state"])
    assert set(RawMessage.objects.values_list("state", flat=True)) == {"processed"}
