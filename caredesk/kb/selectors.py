"""Reads the knowledge base pages, the portal's help centre and the API share.

Customers and visitors read published public articles only; staff read everything
(drafts and archived ones on the staff pages, published ones in search and the picker).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.safestring import SafeString

from caredesk.accounts.models import User
from caredesk.core.errors import NotFound
from caredesk.kb import text as kb_text
from caredesk.kb.models import Article, ArticleStatus, Category, Deflection, Visibility

MAX_SLUG = 80


def readable(viewer: User | None) -> QuerySet[Article]:
    """The articles ``viewer`` may open: staff every one, everyone else published public."""
    qs = Article.objects.select_related("category", "policy")
    if viewer is not None and viewer.is_agent_staff:
        return qs
    return qs.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)


def published(viewer: User | None) -> QuerySet[Article]:
    """What the help centre lists for ``viewer``."""
    qs = readable(viewer).filter(status=ArticleStatus.PUBLISHED)
    if viewer is None or not viewer.is_agent_staff:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs


def article_by_slug(viewer: User | None, slug: str, *, help_centre: bool = True) -> Article:
    qs = published(viewer) if help_centre else readable(viewer)
    article = qs.filter(slug=(slug or "")[:MAX_SLUG]).first()
    if article is None:
        raise NotFound("No such article.")
    return article


def article_by_id(viewer: User | None, pk: int) -> Article:
    article = readable(viewer).filter(pk=pk).first()
    if article is None:
        raise NotFound("No such article.")
    return article


def categories(viewer: User | None) -> list[Category]:
    """Categories with the number of articles ``viewer`` sees in the help centre in each
    (``listed``); empty ones are left out for customers."""
    listed = published(viewer)
    shown = Q(articles__in=listed.values("pk"))
    rows: list[Category] = list(
        Category.objects.annotate(listed=Count("articles", filter=shown)).order_by(
            "position", "name"
        )
    )
    if viewer is None or not viewer.is_agent_staff:
        rows = [c for c in rows if getattr(c, "listed", 0)]
    return rows


def shown_body(article: Article) -> SafeString:
    """The page's text: a policy article shows its policy's current version."""
    if article.policy_id is not None and article.policy is not None:
        current = article.policy.versions.order_by("-number").first()
        if current is not None:
            return kb_text.render(current.customer_text)
    return kb_text.render(article.body)


@dataclass(frozen=True)
class DeflectionFigures:
    shown: int  # visits to the new-case form where articles were suggested
    opened_article: int
    no_case: int  # of those, no case was opened

    @property
    def rate(self) -> float | None:
        return self.no_case / self.shown if self.shown else None


def deflection_figures(start: datetime, end: datetime) -> DeflectionFigures:
    """Deflection between ``start`` and ``end`` (visits that started then); one indexed
    range read of small rows."""
    qs = Deflection.objects.filter(started_at__gte=start, started_at__lt=end)
    counts = qs.aggregate(
        shown=Count("pk"),
        opened=Count("pk", filter=Q(opened__isnull=False)),
        no_case=Count("pk", filter=Q(case_opened_at__isnull=True)),
    )
    return DeflectionFigures(counts["shown"], counts["opened"], counts["no_case"])
