"""A filter on a custom field is a range scan on its value index, on SQLite and
PostgreSQL, not a scan of every value."""

from __future__ import annotations

import pytest
from django.db import connection

from caredesk.customfields import selectors
from caredesk.tickets.models import Ticket

from .conftest import define


@pytest.mark.parametrize(
    ("kind", "raw", "index"),
    [
        ("text", "A-1", "fieldvalue_text"),
        ("number", "12", "fieldvalue_number"),
        ("date", "2026-12-01", "fieldvalue_date"),
    ],
)
def test_the_filter_uses_the_value_index(desk, now, kind, raw, index):
    field = define(desk, now, key="thing", label="Thing", kind=kind)
    qs = Ticket.objects.filter(pk__in=selectors.object_ids_with(field, raw))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert index in plan, plan
