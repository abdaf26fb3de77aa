"""Helpers for batch writes (caredesk.core.bulk)."""

from __future__ import annotations

import pytest
from django.db import connection

from caredesk.core.bulk import parameters_apart

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
