"""Full-text search over case subjects and message bodies, behind one interface (ADR 3, 13).

The cost of a search does not grow with its hits: each source of candidates returns at
most :data:`CANDIDATES` entries, only those are ranked, and the count stops at
:data:`RESULT_CAP` ("1,000+").

- PostgreSQL: stored ``tsvector`` columns with GIN indexes (migration 0009), never
  ``to_tsvector`` at query time. Candidates are the most recent matching entries
  (``ORDER BY id DESC LIMIT``, in widening windows of the newest entries: the planner
  walks the primary key for common words and the GIN index for rare ones), once stemmed
  (``english``) and once exact (``simple``), ranked in the same query.
- SQLite: two FTS5 tables (Porter-stemmed and exact words); candidates are the best
  ``bm25`` matches of each.

Ranking: a customer's cases found by their email address or full name (staff only), then
cases with an exact-word match, then stemmed-only matches; within each, the text rank,
then the newest case. "Quoted phrases" match as phrases on both backends. Results are
restricted by :func:`visible_tickets` before they are counted or paged (customers' searches
read only their own cases' public entries; staff hits are checked by id), and customers
only ever match public text. Snippets are computed for the page's rows only, escaped, with
the matches wrapped in ``<mark>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import BooleanField, Case, Expression, F, Func, Max, QuerySet, TextField, When
from django.db.models import Value as V
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from caredesk.accounts.models import User
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets.access import sees_every_case, visible_tickets
from caredesk.tickets.models import SearchEntry, Ticket, parse_reference

MAX_QUERY = 200
# Entries each candidate source may return; only these are ranked.
CANDIDATES = 2000
# Counted exactly up to here, then shown as "1,000+".
RESULT_CAP = 1000
MAX_PAGE = 500
MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Private-use characters mark the matches inside a snippet until it is escaped.
_START, _STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"([{_START}{_STOP}])")

_R = TypeVar("_R")

# Tiers: higher ranks first.
CUSTOMER, EXACT, STEMMED = 3, 2, 1

# PostgreSQL: candidates come from the newest entries first; the window widens only while
# too few match (so a common word reads a few thousand rows, a rare word uses the GIN index).
# Each window is 8 times the last, so the step that finds enough reads at most ~16 times
# :data:`CANDIDATES` matching rows, at any table size.
WINDOWS = (20_000, 160_000, 1_280_000, 10_240_000, None)
# SQLite: the best-matching entries of one FTS5 table, bounded. bm25() is lower-is-better.
_FTS_TABLES = {STEMMED: "tickets_searchentry_fts", EXACT: "tickets_searchentry_exact"}
_FTS_MATCH = "SELECT rowid, bm25({t}) FROM {t} WHERE {t} MATCH %s ORDER BY bm25({t}) LIMIT %s"
_FTS_SNIPPET = (
    "SELECT rowid, snippet({t}, 0, %s, %s, '…', 20) FROM {t} "
    "WHERE {t} MATCH %s AND rowid IN ({ids})"
)


@dataclass(frozen=True)
class SearchPage:
    query: str
    tickets: list[Ticket]
    total: int
    page: int
    per_page: int
    # True when there are more matches than ``total`` counts (shown as "1,000+").
    capped: bool = False
    # Ticket id → an escaped snippet of its best matching text, for the page's rows.
    snippets: dict[int, SafeString] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def total_label(self) -> str:
        """``"37"``, or ``"1,000+"`` when the count stopped at the cap."""
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"

    @property
    def rows(self) -> list[tuple[Ticket, SafeString | None]]:
        return [(t, self.snippets.get(t.pk)) for t in self.tickets]


@dataclass
class _Hit:
    tier: int
    score: float
    entry_id: int | None


@dataclass
class _Found:
    hits: dict[int, _Hit] = field(default_factory=dict)
    capped: bool = False

    def add(self, ticket_id: int, hit: _Hit) -> None:
        old = self.hits.get(ticket_id)
        if old is None or (hit.tier, hit.score) > (old.tier, old.score):
            self.hits[ticket_id] = hit

    def ordered(self) -> list[int]:
        return sorted(self.hits, key=lambda pk: (-self.hits[pk].tier, -self.hits[pk].score, -pk))


def _terms(text: str) -> list[tuple[bool, list[str]]]:
    """User text → (is_phrase, words) terms; an unclosed quote runs to the end."""
    terms: list[tuple[bool, list[str]]] = []
    for phrase, bare in _TERM.findall(text):
        if phrase:
            words = _WORD.findall(phrase)
            if words:
                terms.append((True, words))
        else:
            terms.extend((False, [w]) for w in _WORD.findall(bare))
    return terms[:MAX_TERMS]


def _fts5_query(text: str, *, prefix: bool) -> str:
    """User text → a safe FTS5 query: every term must appear; quoted text is a phrase; the
    last bare word may be a prefix. Words reach FTS5 only inside double quotes."""
    parts = []
    for is_phrase, words in _terms(text):
        parts.append(('"' + " ".join(words) + '"', is_phrase))
    if not parts:
        return ""
    if prefix and not parts[-1][1]:
        parts[-1] = (parts[-1][0] + "*", False)
    return " AND ".join(p for p, _ in parts)


def _customer_cases(user: User, text: str, found: _Found) -> None:
    """Staff only: the cases of the customer with this email address or full name."""
    if user.is_customer or len(text) < 3:
        return
    customers: QuerySet[Any, int]
    if _EMAIL.match(text):
        customers = ContactIdentity.objects.filter(
            kind=ContactIdentity.Kind.EMAIL, value=text.lower()
        ).values_list("customer_id", flat=True)
    else:
        customers = Customer.objects.filter(name__iexact=text).values_list("pk", flat=True)
    customer_ids = list(customers.order_by()[:20])
    if not customer_ids:
        return
    ids = list(
        visible_tickets(user)
        .filter(customer_id__in=customer_ids)
        .order_by("-id")
        .values_list("pk", flat=True)[: CANDIDATES + 1]
    )
    found.capped |= len(ids) > CANDIDATES
    for pk in ids[:CANDIDATES]:
        found.add(pk, _Hit(CUSTOMER, 0.0, None))


def _visible_entries(user: User, entries: QuerySet[SearchEntry, _R]) -> QuerySet[SearchEntry, _R]:
    """A customer's search reads only the public entries of their own cases (a small set,
    found through the case index). Staff read every entry; their hits are narrowed to the
    cases they may see afterwards (:func:`_only_visible`), a bounded lookup by id, instead
    of joining every visible case."""
    if user.is_customer:
        entries = entries.filter(public=True, ticket_id__in=visible_tickets(user).values("pk"))
    return entries


def _only_visible(user: User, found: _Found) -> None:
    if sees_every_case(user) or not found.hits:
        return
    allowed = set(
        visible_tickets(user).filter(pk__in=list(found.hits)).values_list("pk", flat=True)
    )
    found.hits = {pk: hit for pk, hit in found.hits.items() if pk in allowed}


class StoredVector(Expression):
    """A ``tsvector`` column the database computes (migration 0009); not a model field, so
    Django never writes it."""

    output_field = SearchVectorField()

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    # A list, as the search lookups expect (they add the query's parameters to it).
    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        quote = connection.ops.quote_name
        return f"{quote(SearchEntry._meta.db_table)}.{quote(self.column)}", []


def _queries(text: str) -> dict[str, SearchQuery]:
    return {
        config: SearchQuery(text, config=config, search_type="websearch")
        for config in ("english", "simple")
    }


def _newest_matches(entries: QuerySet[SearchEntry, _R], top: int) -> list[_R]:
    """The :data:`CANDIDATES` newest rows of ``entries``: looked for among the newest
    entries first, widening the window only while too few match. Same answer as one query
    over the whole table, at a cost bounded by the window, not by the number of hits."""
    for window in WINDOWS:
        last = window is None or top <= window
        scoped = entries if last or window is None else entries.filter(pk__gt=top - window)
        batch = list(scoped.order_by("-id")[:CANDIDATES])
        if len(batch) == CANDIDATES or last:
            return batch
    return []  # pragma: no cover - the last window is the whole table


def _pg_text_matches(user: User, text: str, found: _Found) -> None:
    """PostgreSQL: the newest matching entries, stemmed and exact, each ranked in the same
    query (only the rows the LIMIT keeps are ranked on the newest-first plan)."""
    queries = _queries(text)
    top = SearchEntry.objects.aggregate(top=Max("id"))["top"] or 0
    exact = Case(
        When(simple=queries["simple"], then=V(True)), default=V(False), output_field=BooleanField()
    )
    for config, query in queries.items():
        entries = (
            SearchEntry.objects.annotate(v=StoredVector(f"vector_{config}"))
            .filter(v=query)
            .annotate(simple=StoredVector("vector_simple"))
            .annotate(exact=exact, score=SearchRank(StoredVector(f"vector_{config}"), query))
            .values_list("pk", "ticket_id", "exact", "score")
        )
        batch = _newest_matches(_visible_entries(user, entries), top)
        found.capped |= len(batch) == CANDIDATES
        for pk, ticket_id, is_exact, score in batch:
            found.add(ticket_id, _Hit(EXACT if is_exact else STEMMED, float(score), pk))


def _sqlite_text_matches(user: User, text: str, found: _Found) -> None:
    """SQLite: the best bm25 matches of the stemmed and the exact FTS5 table."""
    scores: dict[int, tuple[int, float]] = {}
    with connection.cursor() as cursor:
        for tier, table in _FTS_TABLES.items():
            match = _fts5_query(text, prefix=tier == STEMMED)
            if not match:
                continue
            cursor.execute(_FTS_MATCH.format(t=table), [match, CANDIDATES])
            batch = cursor.fetchall()
            found.capped |= len(batch) == CANDIDATES
            for entry_id, bm25 in batch:
                old = scores.get(entry_id)
                if old is None or tier > old[0]:
                    scores[entry_id] = (tier, -float(bm25))
    if not scores:
        return
    entries = _visible_entries(user, SearchEntry.objects.filter(pk__in=list(scores)))
    for pk, ticket_id in entries.values_list("pk", "ticket_id"):
        tier, score = scores[pk]
        found.add(ticket_id, _Hit(tier, score, pk))


def _safe_snippet(raw: str) -> SafeString:
    """Escape the text, then turn the private markers into ``<mark>`` (balanced)."""
    out, open_mark = [], False
    for piece in _MARKERS.split(raw):
        if piece == _START and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif piece == _STOP and open_mark:
            out.append("</mark>")
            open_mark = False
        elif piece not in (_START, _STOP):
            out.append(str(escape(piece)))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text was escaped above


def _snippets(text: str, entry_ids: Sequence[int]) -> dict[int, SafeString]:
    """Entry id → snippet, for the given entries only."""
    if not entry_ids:
        return {}
    if connection.vendor == "postgresql":
        queries = _queries(text)
        # Marker characters already in the text are dropped before the matches are marked.
        content = Func(
            F("content"), V(_START + _STOP), V(""), function="translate", output_field=TextField()
        )
        options: dict[str, Any] = {
            "start_sel": _START,
            "stop_sel": _STOP,
            "max_words": 24,
            "min_words": 10,
            "max_fragments": 2,
            "fragment_delimiter": " … ",
        }
        headline = {
            config: SearchHeadline(content, query, config=config, **options)
            for config, query in queries.items()
        }
        rows: Iterable[tuple[int, str]] = (
            SearchEntry.objects.filter(pk__in=entry_ids)
            .annotate(english=StoredVector("vector_english"))
            .annotate(
                snippet=Case(
                    When(english=queries["english"], then=headline["english"]),
                    default=headline["simple"],
                    output_field=TextField(),
                )
            )
            .values_list("pk", "snippet")
        )
        return {pk: _safe_snippet(s) for pk, s in rows}
    match = _fts5_query(text, prefix=True)
    if not match:
        return {}
    table = _FTS_TABLES[STEMMED]
    sql = _FTS_SNIPPET.format(t=table, ids=", ".join(str(int(pk)) for pk in entry_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [_START, _STOP, match])
        found = dict(cursor.fetchall())
    # Marker characters already in the text can only add (balanced) marks, never markup.
    return {pk: _safe_snippet(s) for pk, s in found.items()}


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()[:MAX_QUERY]


def search_tickets(user: User, text: str, *, page: int = 1, per_page: int = 20) -> SearchPage:
    text = _clean(text)
    page = max(1, min(page, MAX_PAGE))
    if not text:
        return SearchPage(text, [], 0, page, per_page)
    related = ("customer", "assignee", "team", "organization")
    # A case reference (CD-1042) jumps straight to that case, if the user may see it.
    pk = parse_reference(text) if "-" in text else None
    if pk is not None:
        direct = list(visible_tickets(user).filter(pk=pk).select_related(*related))
        if direct:
            return SearchPage(text, direct, 1, 1, per_page)
    found = _Found()
    _customer_cases(user, text, found)
    if connection.vendor == "postgresql":
        _pg_text_matches(user, text, found)
    else:
        _sqlite_text_matches(user, text, found)
    _only_visible(user, found)
    ordered = found.ordered()
    capped = found.capped or len(ordered) > RESULT_CAP
    ordered = ordered[:RESULT_CAP]
    start = (page - 1) * per_page
    page_ids = ordered[start : start + per_page]
    by_id = Ticket.objects.select_related(*related).in_bulk(page_ids)
    entry_of = {pk: entry for pk in page_ids if (entry := found.hits[pk].entry_id) is not None}
    texts = _snippets(text, list(entry_of.values()))
    snippets = {pk: texts[entry] for pk, entry in entry_of.items() if entry in texts}
    tickets = [by_id[pk] for pk in page_ids if pk in by_id]
    return SearchPage(text, tickets, len(ordered), page, per_page, capped, snippets)
