"""On PostgreSQL the search query must be answerable from the GIN index (not a table scan)."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection

from caredesk.tickets.models import SearchEntry


@pytest.mark.django_db
def test_search_query_uses_the_full_text_index():
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only; SQLite uses FTS5")
    query = SearchQuery("refund", config="english", search_type="websearch")
    qs = SearchEntry.objects.annotate(vector=SearchVector("content", config="english")).filter(
        vector=query
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "search_content_tsv" in plan, plan
