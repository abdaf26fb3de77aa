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
from django.db.models import F, FloatField, OuterRef, QuerySet, Subquery

from caredesk.accounts.models import User
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import SearchEntry, Ticket, parse_reference

MAX_QUERY = 200
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# SQLite: the best-matching entries, bounded. bm25() is lower-is-better.
_FTS_MATCH = (
    "SELECT rowid, bm25(tickets_searchentry_fts) FROM tickets_searchentry_fts "
    "WHERE tickets_searchentry_fts MATCH %s ORDER BY bm25(tickets_searchentry_fts) LIMIT %s"
)
SQLITE_CANDIDATES = 5000


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


def _ranked_tickets(user: User, text: str) -> QuerySet[Ticket]:
    """PostgreSQL: visible cases with a matching entry, annotated with their best ``rank``."""
    query = SearchQuery(text, config="english", search_type="websearch")
    vector = SearchVector("content", config="english")
    entries = SearchEntry.objects.annotate(vector=vector).filter(vector=query)
    if user.is_customer:
        entries = entries.filter(public=True)
    best = (
        entries.filter(ticket_id=OuterRef("pk"))
        .annotate(score=SearchRank(vector, query))
        .order_by("-score")
        .values("score")[:1]
    )
    return (
        visible_tickets(user)
        .filter(pk__in=entries.values("ticket_id"))
        .annotate(rank=Subquery(best, output_field=FloatField()))
    )


def _sqlite_ranked_ids(user: User, text: str) -> list[int]:
    """Visible case ids ordered by their best FTS5 match (SQLite)."""
    match = _fts5_query(text)
    if not match:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_FTS_MATCH, [match, SQLITE_CANDIDATES])
        scores = dict(cursor.fetchall())
    entries = SearchEntry.objects.filter(pk__in=list(scores))
    if user.is_customer:
        entries = entries.filter(public=True)
    best: dict[int, float] = {}
    for entry_id, ticket_id in entries.values_list("pk", "ticket_id"):
        best[ticket_id] = min(best.get(ticket_id, 0.0), scores[entry_id])
    allowed = set(visible_tickets(user).filter(pk__in=list(best)).values_list("pk", flat=True))
    return sorted(allowed, key=lambda pk: (best[pk], -pk))


def search_tickets(user: User, text: str, *, page: int = 1, per_page: int = 20) -> SearchPage:
    text = _CONTROL.sub(" ", text).strip()[:MAX_QUERY]
    page = max(1, min(page, 500))
    if not text:
        return SearchPage(text, [], 0, page, per_page)
    # A case reference (CD-1042) jumps straight to that case, if the user may see it.
    pk = parse_reference(text) if "-" in text else None
    if pk is not None:
        direct = list(visible_tickets(user).filter(pk=pk).select_related("customer", "assignee"))
        if direct:
            return SearchPage(text, direct, 1, 1, per_page)
    start = (page - 1) * per_page
    related = ("customer", "assignee", "team", "organization")
    if connection.vendor != "postgresql":
        ids = _sqlite_ranked_ids(user, text)
        page_ids = ids[start : start + per_page]
        found = Ticket.objects.select_related(*related).in_bulk(page_ids)
        return SearchPage(text, [found[pk] for pk in page_ids], len(ids), page, per_page)
    qs = (
        _ranked_tickets(user, text)
        .select_related(*related)
        .order_by(F("rank").desc(), "-updated_at", "-id")
    )
    total = qs.count()
    return SearchPage(text, list(qs[start : start + per_page]), total, page, per_page)
