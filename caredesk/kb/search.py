"""Full-text search over published articles, on SQLite and PostgreSQL (ADR 30).

The approach of case search (ADR 3, 13), on tables of its own:

- SQLite: an FTS5 table ``kb_article_fts`` (Porter-stemmed, title and body columns) that
  triggers keep in step with ``kb_article`` (migration 0002); ranked by ``bm25`` with the
  title weighing ten times the body. User words reach FTS5 only as quoted terms in a bound
  parameter; the last word may be a prefix (suggestions while typing).
- PostgreSQL: a generated ``tsvector`` column ``search_vector`` (title weight A, body
  weight B, ``english`` configuration) with a GIN index, never ``to_tsvector`` at query
  time; ``websearch_to_tsquery`` reads the user text, ``ts_rank`` orders.

Visibility is part of the query: customers and visitors match published public articles
only; staff also internal ones. Drafts and archived articles are never search results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from caredesk.accounts.models import User
from caredesk.kb import text as kb_text
from caredesk.kb.models import Article, ArticleStatus, Visibility

MAX_QUERY = 200
MAX_TERMS = 12
MAX_RESULTS = 50
_WORD = re.compile(r"\w+", re.UNICODE)
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_FTS = (
    "SELECT rowid FROM kb_article_fts WHERE kb_article_fts MATCH %s "
    "ORDER BY bm25(kb_article_fts, 10.0, 1.0) LIMIT %s"
)
# Suggestions read a customer's sentence ("where is my parcel"): any word may match, the
# rarest weigh most; these common words alone never make a suggestion.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_PG = (
    "SELECT a.id FROM kb_article a, {query} q "
    "WHERE a.search_vector @@ q AND a.status = %s AND a.visibility = ANY(%s) "
    "ORDER BY ts_rank(a.search_vector, q) DESC, a.id DESC LIMIT %s"
)


@dataclass(frozen=True)
class Hit:
    article: Article
    excerpt: str


def visibilities(viewer: User | None) -> list[str]:
    if viewer is not None and viewer.is_agent_staff:
        return [Visibility.PUBLIC, Visibility.INTERNAL]
    return [Visibility.PUBLIC]


def clean_query(text: str) -> str:
    return _CONTROL.sub(" ", text or "").strip()[:MAX_QUERY]


def fts5_query(text: str, *, prefix: bool, any_word: bool = False) -> str:
    """User text → a safe FTS5 query: every term must appear (``any_word``: one is
    enough, common words left out), quoted text is a phrase, the last bare word may be a
    prefix. Words reach FTS5 only inside double quotes."""
    parts: list[tuple[str, bool]] = []
    for phrase, bare in _TERM.findall(text):
        if phrase:
            words = _WORD.findall(phrase)
            if words:
                parts.append(('"' + " ".join(words) + '"', True))
        else:
            parts.extend(('"' + w + '"', False) for w in _WORD.findall(bare))
    if any_word:
        parts = [
            (p, phrase) for p, phrase in parts if phrase or p.strip('"').lower() not in STOPWORDS
        ]
    parts = parts[:MAX_TERMS]
    if not parts:
        return ""
    if prefix and not parts[-1][1]:
        parts[-1] = (parts[-1][0] + "*", False)
    return (" OR " if any_word else " AND ").join(p for p, _ in parts)


def pg_query(text: str, *, prefix: bool, any_word: bool) -> tuple[str, str]:
    """User text → (SQL of a ``tsquery``, its one parameter). Quoted phrases and plain
    searches go through ``websearch_to_tsquery``; a prefix search or ``any_word`` is built
    from bare words only (``\\w+``, so no tsquery operator can come from the user),
    joined by ``&`` or ``|``, the last one a prefix (``:*``)."""
    if not any_word and (not prefix or '"' in text):
        return "websearch_to_tsquery('english'::regconfig, %s)", text
    words = _WORD.findall(text)[:MAX_TERMS]
    if any_word:
        words = [w for w in words if w.lower() not in STOPWORDS]
    if not words:
        return "to_tsquery('english'::regconfig, %s)", ""
    if prefix:
        words[-1] += ":*"
    return "to_tsquery('english'::regconfig, %s)", (" | " if any_word else " & ").join(words)


def _ids(text: str, shown: list[str], limit: int, prefix: bool, any_word: bool) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query, param = pg_query(text, prefix=prefix, any_word=any_word)
            if not param:
                return []
            sql = _PG.format(query=query)
            cursor.execute(sql, [param, ArticleStatus.PUBLISHED, shown, limit])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            match = fts5_query(text, prefix=prefix, any_word=any_word)
            if not match:
                return []
            # Candidates are ranked over every article; visibility is checked below, so a
            # few more than asked for are read.
            cursor.execute(_FTS, [match, limit * 4 + 20])
            return [row[0] for row in cursor.fetchall()]
    words = _WORD.findall(text)[:MAX_TERMS]
    qs = Article.objects.all()
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return list(qs.order_by("-id").values_list("pk", flat=True)[:limit])


def search_articles(
    viewer: User | None,
    text: str,
    *,
    limit: int = 20,
    prefix: bool = False,
    any_word: bool = False,
) -> list[Hit]:
    """The published articles ``viewer`` may read that match ``text``, best first.
    ``any_word``: articles matching any of the words (suggestions for a sentence)."""
    text = clean_query(text)
    limit = max(1, min(limit, MAX_RESULTS))
    if not _WORD.search(text):
        return []
    shown = visibilities(viewer)
    ranked = _ids(text, shown, limit, prefix, any_word)
    if not ranked:
        return []
    found = Article.objects.select_related("category").in_bulk(
        list(
            Article.objects.filter(
                pk__in=ranked, status=ArticleStatus.PUBLISHED, visibility__in=shown
            ).values_list("pk", flat=True)
        )
    )
    hits = [found[pk] for pk in ranked if pk in found][:limit]
    return [Hit(a, kb_text.excerpt(a.body)) for a in hits]
