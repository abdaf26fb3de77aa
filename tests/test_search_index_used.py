"""On PostgreSQL a search must be answerable from the GIN index on the stored vector (not a
table scan, and never re-parsing text with ``to_tsvector``)."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from caredesk.tickets.models import SearchEntry
from caredesk.tickets.search import StoredVector


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "index"), [("english", "search_english_gin"), ("simple", "search_simple_gin")]
)
def test_search_query_uses_the_full_text_index(column, index):
    if connection.vendor != "postgresql":
        pytest.skip("the GIN indexes exist on PostgreSQL only; SQLite uses FTS5")
    query = SearchQuery("refund", config=column, search_type="websearch")
    qs = SearchEntry.objects.annotate(v=StoredVector(f"vector_{column}")).filter(v=query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert index in plan and "to_tsvector" not in plan, plan
