"""Full-text search over case subjects and message bodies, behind one interface.

PostgreSQL: ``to_tsvector('english', content)`` with a GIN index, ranked by ``ts_rank``.
SQLite: an FTS5 table kept in step by triggers, ranked by ``bm25``.
Results are restricted by :func:`visible_tickets` before they are counted or ranked, and
customers only ever match public text (subjects, their messages and public replies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import FloatField, Max, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from caredesk.accounts.models import User
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import SearchEntry, Ticket, parse_reference

MAX_QUERY = 200
_WORD = re.compile(r"\w+", re.UNICODE)
_FTS_IDS = "SELECT rowid FROM tickets_searchentry_fts WHERE tickets_searchentry_fts MATCH %s"
_FTS_RANK = (
    "SELECT -bm25(tickets_searchentry_fts) FROM tickets_searchentry_fts "
    "WHERE tickets_searchentry_fts MATCH %s "
    "AND tickets_searchentry_fts.rowid = tickets_searchentry.id"
)


@dataclass(frozen=True)
class SearchPage:
    query: str
    tickets: list[Ticket]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _fts5_query(text: str) -> str:
    """User text → a safe FTS5 query: every word must appear (prefix match on the last)."""
    words = _WORD.findall(text)[:12]
    if not words:
        return ""
    quoted = ['"' + w.replace('"', "") + '"' for w in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def _matching_entries(user: User, text: str) -> QuerySet[SearchEntry] | None:
    entries = SearchEntry.objects.filter(ticket__in=visible_tickets(user))
    if user.is_customer:
        entries = entries.filter(public=True)
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config="english", search_type="websearch")
        vector = SearchVector("content", config="english")
        return (
            entries.annotate(vector=vector)
            .filter(vector=query)
            .annotate(rank=SearchRank(vector, query))
        )
    match = _fts5_query(text)
    if not match:
        return None
    # bm25() is lower-is-better; negate it so that higher rank means a better hit everywhere.
    # The SQL is constant; the user's words only ever travel as a bound parameter.
    matching_ids = RawSQL(_FTS_IDS, [match])  # noqa: S611
    rank = RawSQL(  # noqa: S611
        _FTS_RANK,
        [match],
        output_field=FloatField(),
    )
    return entries.filter(pk__in=matching_ids).annotate(rank=rank)


def search_tickets(user: User, text: str, *, page: int = 1, per_page: int = 20) -> SearchPage:
    text = text.strip()[:MAX_QUERY]
    page = max(1, min(page, 500))
    if not text:
        return SearchPage(text, [], 0, page, per_page)
    # A case reference (CD-1042) jumps straight to that case, if the user may see it.
    pk = parse_reference(text) if "-" in text else None
    if pk is not None:
        direct = list(visible_tickets(user).filter(pk=pk).select_related("customer", "assignee"))
        if direct:
            return SearchPage(text, direct, 1, 1, per_page)
    entries = _matching_entries(user, text)
    if entries is None:
        return SearchPage(text, [], 0, page, per_page)
    best = (
        entries.filter(ticket_id=OuterRef("pk"))
        .values("ticket_id")
        .annotate(best=Max("rank"))
        .values("best")
    )
    ticket_ids = entries.values("ticket_id").distinct()
    qs = (
        Ticket.objects.filter(pk__in=ticket_ids)
        .annotate(rank=Subquery(best))
        .select_related("customer", "assignee", "team")
        .order_by("-rank", "-updated_at", "-id")
    )
    total = qs.count()
    start = (page - 1) * per_page
    return SearchPage(text, list(qs[start : start + per_page]), total, page, per_page)
