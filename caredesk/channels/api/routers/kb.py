"""The knowledge base through the API: articles and categories for staff (the same
actions and rules as the staff pages), search, and a public read of the help centre
(``/help/…``: public published articles, with or without a token, rate-limited per
client without one)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import Field, StringConstraints

from caredesk.accounts.models import ApiToken, User
from caredesk.channels.api.auth import _check_rate, bearer, require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import (
    Body,
    ErrorOut,
    Id,
    InSchema,
    PatchSchema,
    _Clean,
)
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.kb import actions, rules, search, selectors
from caredesk.kb.models import Article, ArticleStatus, Category
from caredesk.policies.models import Policy

router = Router(tags=["knowledge base"])

# Without a token the help centre is read per client address, like the portal's pages.
PUBLIC_RATE = "120/m"

Title = Annotated[str, StringConstraints(max_length=2000), _Clean]
Short = Annotated[str, StringConstraints(max_length=100), _Clean]
Description = Annotated[str, StringConstraints(max_length=3000), _Clean]


class PublicReader(HttpBearer):
    """A bearer token if one is sent (checked as everywhere), otherwise an anonymous
    reader limited per client address."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return bearer(request)
        rate = getattr(settings, "CAREDESK_HELP_API_RATE", PUBLIC_RATE)
        _check_rate(request, key="ip", rate=rate, group="api.help")
        return "anonymous"

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None


public_router = Router(tags=["help centre"], auth=PublicReader())


def _viewer(request: HttpRequest) -> User | None:
    token = getattr(request, "auth", None)
    return token.user if isinstance(token, ApiToken) else None


class CategoryRef(Schema):
    id: int
    name: str
    slug: str


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    category: CategoryRef | None
    visibility: str
    status: str
    language: str
    version: int
    policy_id: int | None
    body: str
    body_html: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    can_edit: bool


class ArticleList(Schema):
    items: list[ArticleOut]


class VersionOut(Schema):
    number: int
    title: str
    body: str
    category: str
    visibility: str
    language: str
    written_by: str | None
    written_at: datetime
    replaced_by: str | None
    replaced_at: datetime


class VersionList(Schema):
    items: list[VersionOut]


class HitOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    visibility: str
    excerpt: str
    category: CategoryRef | None


class HitList(Schema):
    query: str
    items: list[HitOut]


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    position: int
    articles: int


class CategoryList(Schema):
    items: list[CategoryOut]


class ArticleIn(InSchema):
    title: Title
    body: Body
    category_id: Id | None = None
    visibility: Short = "public"
    language: Short = "en"
    slug: Short = ""


class ArticlePatchIn(PatchSchema):
    NOT_NULL = ("title", "body", "visibility", "language", "slug")
    title: Title | None = None
    body: Body | None = None
    category_id: Id | None = None
    visibility: Short | None = None
    language: Short | None = None
    slug: Short | None = None


class CategoryIn(InSchema):
    name: Title
    description: Description = ""
    position: Annotated[int, Field(ge=0, le=10_000)] = 0


class CategoryPatchIn(PatchSchema):
    NOT_NULL = ("name", "description", "position")
    name: Title | None = None
    description: Description | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None


def _url(article: Article) -> str:
    return f"{settings.SITE_URL}/help/articles/{article.slug}/"


def _cat(category: Category | None) -> CategoryRef | None:
    if category is None:
        return None
    return CategoryRef(id=category.pk, name=category.name, slug=category.slug)


def _out(article: Article, viewer: User | None) -> ArticleOut:
    return ArticleOut(
        id=article.pk,
        title=article.title,
        slug=article.slug,
        url=_url(article),
        category=_cat(article.category),
        visibility=article.visibility,
        status=article.status,
        language=article.language,
        version=article.version,
        policy_id=article.policy_id,
        body=article.body,
        body_html=str(selectors.shown_body(article)),
        created_at=article.created_at,
        updated_at=article.updated_at,
        published_at=article.published_at,
        can_edit=rules.may_edit(viewer, article),
    )


def _hits(viewer: User | None, q: str, limit: int) -> HitList:
    hits = search.search_articles(viewer, q, limit=limit)
    return HitList(
        query=search.clean_query(q),
        items=[
            HitOut(
                id=h.article.pk,
                title=h.article.title,
                slug=h.article.slug,
                url=_url(h.article),
                visibility=h.article.visibility,
                excerpt=h.excerpt,
                category=_cat(h.article.category),
            )
            for h in hits
        ],
    )


def _category(category_id: int | None, field: str = "category_id") -> Category | None:
    if category_id is None:
        return None
    found = Category.objects.filter(pk=category_id).first()
    if found is None:
        raise ApiError(
            422,
            f"There is no category with id {category_id}.",
            code="unknown_category",
            details={"field": field},
        )
    return found


# --- staff ------------------------------------------------------------------------------


@router.get("/articles", response={200: ArticleList, ERROR_CODES: ErrorOut})
def list_articles(
    request: HttpRequest,
    status: str = Query("", max_length=20, description="draft, published or archived"),
    category_id: int | None = Query(None, ge=1, le=2**62),
) -> ArticleList:
    """Every article (drafts and internal ones too), newest change first (at most 500)."""
    user = require_staff(request)
    qs = selectors.readable(user).order_by("-updated_at", "-id")
    if status:
        if status not in ArticleStatus.values:
            raise ApiError(422, "status is draft, published or archived.", code="bad_status")
        qs = qs.filter(status=status)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    return ArticleList(items=[_out(a, user) for a in qs[:500]])


@router.post("/articles", response={201: ArticleOut, ERROR_CODES: ErrorOut})
def create_article(request: HttpRequest, payload: ArticleIn, response: HttpResponse) -> Status[Any]:
    """Write a new article (a draft). Markdown body; HTML in it is shown as text.
    Oversized text is refused (422 ``too_long``) with the size and the limit."""
    user = require_staff(request)

    def create() -> tuple[int, ArticleOut]:
        data = actions.ArticleData(
            title=payload.title,
            body=payload.body,
            category=_category(payload.category_id),
            visibility=payload.visibility,
            language=payload.language,
            slug=payload.slug,
        )
        article = actions.do_write_article(actor=user, data=data, now=clock.now())
        return 201, _out(selectors.article_by_id(user, article.pk), user)

    return idempotent(request, response, create)


@router.get("/articles/{article_id}", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def get_article(request: HttpRequest, article_id: int) -> ArticleOut:
    user = require_staff(request)
    return _out(selectors.article_by_id(user, article_id), user)


@router.patch("/articles/{article_id}", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def update_article(request: HttpRequest, article_id: int, payload: ArticlePatchIn) -> ArticleOut:
    """Change the fields given; the previous text is kept as a version. Agents change
    drafts only; leads, managers and admins also published articles."""
    user = require_staff(request)
    article = selectors.article_by_id(user, article_id)
    fields = payload.dict(exclude_unset=True)
    for name in ArticlePatchIn.NOT_NULL:
        if name in fields and fields[name] is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    data = actions.ArticleData(
        title=fields.get("title", article.title),
        body=fields.get("body", article.body),
        category=_category(fields["category_id"]) if "category_id" in fields else article.category,
        visibility=fields.get("visibility", article.visibility),
        language=fields.get("language", article.language),
        slug=fields.get("slug", article.slug),
    )
    actions.do_write_article(actor=user, data=data, now=clock.now(), article=article)
    return _out(selectors.article_by_id(user, article_id), user)


def _status(request: HttpRequest, article_id: int, act: Any) -> ArticleOut:
    user = require_staff(request)
    act(actor=user, article=selectors.article_by_id(user, article_id), now=clock.now())
    return _out(selectors.article_by_id(user, article_id), user)


@router.post("/articles/{article_id}/publish", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def publish_article(request: HttpRequest, article_id: int) -> ArticleOut:
    """Publish (leads, managers and admins): listed, found and suggested from now on."""
    return _status(request, article_id, actions.do_publish_article)


@router.post("/articles/{article_id}/archive", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def archive_article(request: HttpRequest, article_id: int) -> ArticleOut:
    """Archive: no longer listed, found or suggested; kept with its history."""
    return _status(request, article_id, actions.do_archive_article)


@router.post("/articles/{article_id}/unpublish", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def unpublish_article(request: HttpRequest, article_id: int) -> ArticleOut:
    """Back to draft."""
    return _status(request, article_id, actions.do_unpublish_article)


@router.get("/articles/{article_id}/versions", response={200: VersionList, ERROR_CODES: ErrorOut})
def list_article_versions(request: HttpRequest, article_id: int) -> VersionList:
    """The earlier versions, newest first: their text, who wrote and who replaced them."""
    user = require_staff(request)
    article = selectors.article_by_id(user, article_id)
    rows = article.versions.select_related("written_by", "replaced_by").all()[:500]
    return VersionList(
        items=[
            VersionOut(
                number=v.number,
                title=v.title,
                body=v.body,
                category=v.category_name,
                visibility=v.visibility,
                language=v.language,
                written_by=v.written_by.display_name if v.written_by else None,
                written_at=v.written_at,
                replaced_by=v.replaced_by.display_name if v.replaced_by else None,
                replaced_at=v.replaced_at,
            )
            for v in rows
        ]
    )


@router.post("/policies/{policy_id}/article", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def publish_policy_article(request: HttpRequest, policy_id: int) -> ArticleOut:
    """Publish a policy as a public article showing the policy's current text."""
    user = require_staff(request)
    policy = Policy.objects.filter(pk=policy_id).first() if 0 < policy_id <= 2**62 else None
    if policy is None:
        raise NotFound("No such policy.")
    article = actions.do_publish_policy(actor=user, policy=policy, now=clock.now())
    return _out(selectors.article_by_id(user, article.pk), user)


@router.get("/search", response={200: HitList, ERROR_CODES: ErrorOut})
def search_articles(
    request: HttpRequest,
    q: str = Query("", max_length=200, description='Words; "quoted words" as a phrase'),
    limit: int = Query(20, ge=1, le=50),
) -> HitList:
    """Published articles matching ``q``, best first: staff find internal ones too,
    customer tokens public ones only."""
    return _hits(_viewer(request), q, limit)


def _category_out(c: Category) -> CategoryOut:
    return CategoryOut(
        id=c.pk,
        name=c.name,
        slug=c.slug,
        description=c.description,
        position=c.position,
        articles=getattr(c, "listed", 0),
    )


@router.get("/categories", response={200: CategoryList, ERROR_CODES: ErrorOut})
def list_categories(request: HttpRequest) -> CategoryList:
    """Every category in help-centre order, with its number of published articles."""
    user = require_staff(request)
    return CategoryList(items=[_category_out(c) for c in selectors.categories(user)])


@router.post("/categories", response={201: CategoryOut, ERROR_CODES: ErrorOut})
def create_category(
    request: HttpRequest, payload: CategoryIn, response: HttpResponse
) -> Status[Any]:
    """Add a category (leads, managers and admins)."""
    user = require_staff(request)

    def create() -> tuple[int, CategoryOut]:
        c = actions.do_save_category(
            actor=user,
            name=payload.name,
            description=payload.description,
            position=payload.position,
            now=clock.now(),
        )
        return 201, _category_out(c)

    return idempotent(request, response, create)


def _existing_category(category_id: int) -> Category:
    found = Category.objects.filter(pk=category_id).first() if 0 < category_id <= 2**62 else None
    if found is None:
        raise NotFound("No such category.")
    return found


@router.patch("/categories/{category_id}", response={200: CategoryOut, ERROR_CODES: ErrorOut})
def update_category(
    request: HttpRequest, category_id: int, payload: CategoryPatchIn
) -> CategoryOut:
    """Rename, describe or reorder a category."""
    user = require_staff(request)
    c = _existing_category(category_id)
    fields = payload.dict(exclude_unset=True)
    for name in CategoryPatchIn.NOT_NULL:
        if name in fields and fields[name] is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    saved = actions.do_save_category(
        actor=user,
        name=fields.get("name", c.name),
        description=fields.get("description", c.description),
        position=fields.get("position", c.position),
        category=c,
        now=clock.now(),
    )
    return _category_out(saved)


@router.delete("/categories/{category_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_category(request: HttpRequest, category_id: int) -> Status[None]:
    """Delete a category; its articles stay, without a category."""
    user = require_staff(request)
    actions.do_delete_category(
        actor=user, category=_existing_category(category_id), now=clock.now()
    )
    return Status(204, None)


# --- the help centre (public read) --------------------------------------------------------


@public_router.get("/articles", response={200: ArticleList, ERROR_CODES: ErrorOut})
def list_help_articles(
    request: HttpRequest, category: str = Query("", max_length=60, description="A category slug")
) -> ArticleList:
    """The help centre's articles (public published ones; staff tokens also internal)."""
    viewer = _viewer(request)
    qs = selectors.published(viewer).order_by("title", "id")
    if category:
        qs = qs.filter(category__slug=category)
    return ArticleList(items=[_out(a, viewer) for a in qs[:500]])


@public_router.get("/articles/{slug}", response={200: ArticleOut, ERROR_CODES: ErrorOut})
def get_help_article(request: HttpRequest, slug: str) -> ArticleOut:
    """One help-centre article by its address; a draft, archived or internal one is
    not found (staff tokens read internal ones)."""
    viewer = _viewer(request)
    return _out(selectors.article_by_slug(viewer, slug[:80]), viewer)


@public_router.get("/search", response={200: HitList, ERROR_CODES: ErrorOut})
def search_help(
    request: HttpRequest,
    q: str = Query("", max_length=200, description='Words; "quoted words" as a phrase'),
    limit: int = Query(20, ge=1, le=50),
) -> HitList:
    """Search the help centre: public published articles, best first."""
    return _hits(_viewer(request), q, limit)


@public_router.get("/categories", response={200: CategoryList, ERROR_CODES: ErrorOut})
def list_help_categories(request: HttpRequest) -> CategoryList:
    """The help centre's topics that have articles, in order."""
    return CategoryList(items=[_category_out(c) for c in selectors.categories(_viewer(request))])
