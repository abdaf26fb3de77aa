"""Every change to the knowledge base goes through one of these functions (house rule 1).

Articles and categories are not about a case, so their changes are audited with
``core.audit`` (old and new values), which also puts the event on the spine (the event
log feeding webhooks and automations) in the same transaction. An edit never overwrites
the text: the previous state becomes an :class:`ArticleVersion` (who wrote it, when).
Deflection records are counters, not changes a person makes, so they are not audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from caredesk.accounts.models import User
from caredesk.core import audit as core_audit
from caredesk.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from caredesk.core.text import clean_line
from caredesk.customers.models import Customer
from caredesk.kb import rules
from caredesk.kb.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    Category,
    Deflection,
    Visibility,
)
from caredesk.kb.text import MAX_TITLE, clean_body
from caredesk.policies.models import Policy
from caredesk.tickets.models import Ticket

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_SHOWN = 50


@dataclass(frozen=True)
class ArticleData:
    title: str
    body: str
    category: Category | None = None
    visibility: str = Visibility.PUBLIC
    language: str = "en"
    slug: str = ""


def _check(data: ArticleData) -> ArticleData:
    title = clean_line(data.title or "", max_chars=MAX_TITLE, field="title")
    body = clean_body(data.body)
    if not body:
        raise InvalidInput("The article text is empty.", field="body", code="empty")
    if data.visibility not in Visibility.values:
        raise InvalidInput(
            "Visibility is 'public' or 'internal'.", field="visibility", code="bad_visibility"
        )
    language = (data.language or "en").strip()
    if not _LANGUAGE.match(language) or len(language) > 12:
        raise InvalidInput(
            "The language is a code such as 'en' or 'pt-BR'.", field="language", code="bad_language"
        )
    slug = slugify(data.slug or "")[:80].strip("-")
    if data.slug and not slug:
        raise InvalidInput(
            "The address may use letters, digits and hyphens.", field="slug", code="bad_slug"
        )
    return ArticleData(title, body, data.category, data.visibility, language, slug)


def _free_slug(wanted: str, title: str, exclude: int | None = None) -> str:
    base = wanted or slugify(title)[:72].strip("-") or "article"
    taken = Article.objects.exclude(pk=exclude or 0)
    slug, n = base, 2
    while taken.filter(slug=slug).exists():
        slug, n = f"{base[:72]}-{n}", n + 1
    return slug


def _snapshot(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "category": article.category.name if article.category else None,
        "visibility": article.visibility,
        "status": article.status,
        "language": article.language,
        "version": article.version,
        "body_chars": len(article.body),
    }


def _locked(article_id: int) -> Article:
    try:
        return (
            Article.objects.select_for_update(of=("self",))
            .select_related("category")
            .get(pk=article_id)
        )
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None


def do_write_article(
    *, actor: User, data: ArticleData, now: datetime, article: Article | None = None
) -> Article:
    """Create an article (a draft), or change one, keeping its previous state as a version."""
    if not rules.can_write(actor):
        raise PermissionDenied(rules.REFUSED_WRITE)
    data = _check(data)
    with transaction.atomic():
        if article is None:
            article = Article(
                status=ArticleStatus.DRAFT, created_by=actor, created_at=now, version=1
            )
            old = None
        else:
            article = _locked(article.pk)
            if not rules.may_edit(actor, article):
                raise PermissionDenied(rules.REFUSED_MANAGE)
            old = _snapshot(article)
            if (
                article.title == data.title
                and article.body == data.body
                and article.category_id == (data.category.pk if data.category else None)
                and article.visibility == data.visibility
                and article.language == data.language
                and (not data.slug or data.slug == article.slug)
            ):
                return article  # nothing changed: no version, no event
            ArticleVersion.objects.create(
                article=article,
                number=article.version,
                title=article.title,
                body=article.body,
                category_name=article.category.name if article.category else "",
                visibility=article.visibility,
                language=article.language,
                written_by_id=article.updated_by_id or article.created_by_id,
                written_at=article.updated_at,
                replaced_by=actor,
                replaced_at=now,
            )
            article.version += 1
        article.title = data.title
        article.body = data.body
        article.category = data.category
        article.visibility = data.visibility
        article.language = data.language
        article.slug = _free_slug(data.slug, data.title, exclude=article.pk)
        article.updated_by = actor
        article.updated_at = now
        try:
            with transaction.atomic():
                article.save()
        except IntegrityError:
            raise Conflict("That address is taken by another article.", code="slug_taken") from None
        kind = "kb.article_created" if old is None else "kb.article_updated"
        core_audit.record(
            kind, actor=actor, now=now, field="article", old=old, new=_snapshot(article)
        )
    return article


def _set_status(actor: User, article: Article, status: str, now: datetime) -> Article:
    if not rules.can_manage(actor):
        raise PermissionDenied(rules.REFUSED_MANAGE)
    with transaction.atomic():
        article = _locked(article.pk)
        if article.status == status:
            return article
        old = _snapshot(article)
        article.status = status
        if status == ArticleStatus.PUBLISHED:
            article.published_at = now
        article.updated_at = now
        article.save(update_fields=["status", "published_at", "updated_at"])
        core_audit.record(
            f"kb.article_{status}",
            actor=actor,
            now=now,
            field="status",
            old=old,
            new=_snapshot(article),
        )
    return article


def do_publish_article(*, actor: User, article: Article, now: datetime) -> Article:
    return _set_status(actor, article, ArticleStatus.PUBLISHED, now)


def do_archive_article(*, actor: User, article: Article, now: datetime) -> Article:
    return _set_status(actor, article, ArticleStatus.ARCHIVED, now)


def do_unpublish_article(*, actor: User, article: Article, now: datetime) -> Article:
    """Back to draft (from published or archived)."""
    return _set_status(actor, article, ArticleStatus.DRAFT, now)


def do_publish_policy(*, actor: User, policy: Policy, now: datetime) -> Article:
    """Publish a policy as a public article. Its page shows the policy's current version
    text, so a new policy version is what customers read without editing the article."""
    if not rules.can_manage(actor):
        raise PermissionDenied(rules.REFUSED_MANAGE)
    with transaction.atomic():
        existing = Article.objects.filter(policy=policy).first()
        if existing is not None:
            return _set_status(actor, existing, ArticleStatus.PUBLISHED, now)
        current = policy.versions.order_by("-number").first()
        if current is None:
            raise Conflict("This policy has no text yet.", code="policy_without_text")
        article = Article.objects.create(
            title=policy.title[:MAX_TITLE],
            slug=_free_slug(slugify(policy.slug)[:72], policy.title),
            body=current.customer_text[:100_000],
            policy=policy,
            visibility=Visibility.PUBLIC,
            status=ArticleStatus.PUBLISHED,
            created_by=actor,
            updated_by=actor,
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        core_audit.record(
            "kb.policy_published",
            actor=actor,
            now=now,
            field="article",
            new={**_snapshot(article), "policy": policy.slug},
        )
    return article


def _category_fields(name: str, description: str, position: int) -> tuple[str, str, int]:
    name = clean_line(name or "", max_chars=100, field="category name")
    description = " ".join((description or "").split())
    if len(description) > 300:
        raise InvalidInput(
            "The description is too long (the limit is 300 characters).",
            field="description",
            code="too_long",
        )
    if not 0 <= position <= 10_000:
        raise InvalidInput("The position is between 0 and 10000.", field="position")
    return name, description, position


def do_save_category(
    *,
    actor: User,
    name: str,
    now: datetime,
    description: str = "",
    position: int = 0,
    category: Category | None = None,
) -> Category:
    """Create a category, or rename / reorder one."""
    if not rules.can_manage(actor):
        raise PermissionDenied(rules.REFUSED_MANAGE)
    name, description, position = _category_fields(name, description, position)
    with transaction.atomic():
        old = None
        if category is None:
            category = Category(created_at=now)
        else:
            category = Category.objects.select_for_update().get(pk=category.pk)
            old = {
                "name": category.name,
                "description": category.description,
                "position": category.position,
            }
        category.name, category.description, category.position = name, description, position
        if not category.slug:
            base = slugify(name)[:55] or "category"
            slug, n = base, 2
            while Category.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            category.slug = slug
        try:
            with transaction.atomic():
                category.save()
        except IntegrityError:
            raise Conflict(
                "There is already a category of that name.", code="category_taken"
            ) from None
        core_audit.record(
            "kb.category_saved",
            actor=actor,
            now=now,
            field="category",
            old=old,
            new={"id": category.pk, "name": name, "description": description, "position": position},
        )
    return category


def do_delete_category(*, actor: User, category: Category, now: datetime) -> None:
    """Delete a category; its articles stay, without a category."""
    if not rules.can_manage(actor):
        raise PermissionDenied(rules.REFUSED_MANAGE)
    with transaction.atomic():
        old = {"id": category.pk, "name": category.name, "articles": category.articles.count()}
        Category.objects.filter(pk=category.pk).delete()
        core_audit.record("kb.category_deleted", actor=actor, now=now, field="category", old=old)


# Deflection: counters of what the new-case form suggested and what the customer did.


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str) -> bool:
    return bool(_TOKEN.match(token or ""))


def _deflection(token: str, customer: Customer | None) -> Deflection | None:
    """The visit's record, if the token is well formed and it is this customer's."""
    if not valid_token(token):
        return None
    found = Deflection.objects.select_for_update().filter(token=token).first()
    if found is not None and found.customer_id != (customer.pk if customer else None):
        return None
    return found


def do_record_suggestions(
    *, token: str, customer: Customer | None, article_ids: list[int], now: datetime
) -> Deflection | None:
    """Articles were suggested on the new-case form of this visit (``token``)."""
    if not article_ids or not valid_token(token):
        return None
    with transaction.atomic():
        found = _deflection(token, customer)
        if found is None:
            if Deflection.objects.filter(token=token).exists():
                return None  # another customer's token: ignored
            try:
                with transaction.atomic():
                    found = Deflection.objects.create(
                        token=token, customer=customer, started_at=now, shown=[]
                    )
            except IntegrityError:
                return None
        shown = list(found.shown)
        for pk in article_ids:
            if pk not in shown and len(shown) < MAX_SHOWN:
                shown.append(pk)
        if shown != found.shown:
            found.shown = shown
            found.save(update_fields=["shown"])
    return found


def do_record_article_opened(
    *, token: str, customer: Customer | None, article: Article, now: datetime
) -> None:
    """A suggested article was opened from the new-case form."""
    with transaction.atomic():
        found = _deflection(token, customer)
        if found is None or article.pk not in found.shown or found.opened_id is not None:
            return
        found.opened, found.opened_at = article, now
        found.save(update_fields=["opened", "opened_at"])


def do_record_case_opened(
    *, token: str, customer: Customer | None, ticket: Ticket, now: datetime
) -> None:
    """The customer opened the case after all (only counted where suggestions were shown)."""
    with transaction.atomic():
        found = _deflection(token, customer)
        if found is None or found.ticket_id is not None:
            return
        found.ticket, found.case_opened_at = ticket, now
        found.save(update_fields=["ticket", "case_opened_at"])
