"""Every index costs each insert a write: no table carries the same index twice."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_no_table_has_two_identical_indexes():
    if connection.vendor != "postgresql":
        pytest.skip("compared through pg_index; SQLite's indexes come from the same migrations")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT indrelid::regclass::text, array_agg(indexrelid::regclass::text ORDER BY 1)
            FROM pg_index
            JOIN pg_class ON pg_class.oid = indrelid
            JOIN pg_namespace ON pg_namespace.oid = pg_class.relnamespace
            WHERE nspname = current_schema()
            GROUP BY indrelid, indkey::text, indclass::text,
                     coalesce(indexprs::text, ''), coalesce(indpred::text, '')
            HAVING count(*) > 1
            """
        )
        duplicates = cursor.fetchall()
    assert duplicates == []
