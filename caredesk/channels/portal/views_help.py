"""The help centre (/help/): categories, article lists, an article, search. Open to
visitors without sign-in for public articles, rate-limited per client like the other
public pages; and the suggestions shown while a customer writes a new case (deflection).
Thin: reads through ``caredesk.kb.selectors`` / ``search``, records through ``kb.actions``."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from caredesk.accounts.models import User
from caredesk.channels.portal.views_signin import client_ip
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.customers.guards import customer_of, customer_required, portal_context, signed_in_user
from caredesk.customers.models import Customer
from caredesk.kb import actions as kb_actions
from caredesk.kb import search, selectors

# Per client: pages and searches of the help centre; suggestions while typing a case.
RATE_PAGES = "300/m"
RATE_SEARCH = "60/m"
RATE_SUGGEST = "120/m"
RATE_MESSAGE = _("Too many searches in a short time. Please wait a minute, then try again.")
SUGGESTIONS = 5
PER_PAGE = 50
RECENT = 10


def _limited(request: HttpRequest, group: str, rate: str) -> bool:
    key = client_ip(request) or "unknown"
    return bool(
        is_ratelimited(request, group=group, key=lambda g, r: key, rate=rate, increment=True)
    )


def _viewer(request: HttpRequest) -> tuple[User | None, Customer | None]:
    user = signed_in_user(request)
    return user, customer_of(user)


def _page(request: HttpRequest, template: str, status: int = 200, **extra: Any) -> HttpResponse:
    user, customer = _viewer(request)
    context = portal_context(
        customer, nav="help", staff_viewer=bool(user and user.is_agent_staff), **extra
    )
    return render(request, template, context, status=status)


def _too_many(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "portal/help_home.html",
        status=429,
        error=str(RATE_MESSAGE),
        categories=[],
        recent=[],
        q="",
    )


@require_GET
def help_home(request: HttpRequest) -> HttpResponse:
    if _limited(request, "help-pages", RATE_PAGES):
        return _too_many(request)
    user, _ = _viewer(request)
    recent = list(selectors.published(user).order_by("-published_at", "-id")[:RECENT])
    return _page(
        request,
        "portal/help_home.html",
        categories=selectors.categories(user),
        recent=recent,
        q="",
    )


@require_GET
def help_category(request: HttpRequest, slug: str) -> HttpResponse:
    if _limited(request, "help-pages", RATE_PAGES):
        return _too_many(request)
    user, _ = _viewer(request)
    category = next((c for c in selectors.categories(user) if c.slug == slug[:60]), None)
    if category is None:
        raise Http404("No such category.")
    page = Paginator(
        selectors.published(user).filter(category=category).order_by("title", "id"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return _page(
        request,
        "portal/help_category.html",
        category=category,
        articles=list(page.object_list),
        page=page,
        q="",
    )


@require_GET
def help_search(request: HttpRequest) -> HttpResponse:
    if _limited(request, "help-search", RATE_SEARCH):
        return _too_many(request)
    user, _ = _viewer(request)
    q = search.clean_query(str(request.GET.get("q", "")))
    hits = search.search_articles(user, q, limit=30) if q else []
    return _page(request, "portal/help_search.html", q=q, hits=hits)


@require_GET
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    if _limited(request, "help-pages", RATE_PAGES):
        return _too_many(request)
    user, customer = _viewer(request)
    try:
        article = selectors.article_by_slug(user, slug)
    except NotFound:
        raise Http404("No such article.") from None
    token = str(request.GET.get("d", ""))
    if token and kb_actions.valid_token(token):
        kb_actions.do_record_article_opened(
            token=token, customer=customer, article=article, now=clock.now()
        )
    return _page(
        request,
        "portal/help_article.html",
        article=article,
        body=selectors.shown_body(article),
        deflection=token if kb_actions.valid_token(token) else "",
        q="",
    )


def suggestions_for(customer: Customer, subject: str, token: str) -> list[search.Hit]:
    """Public articles matching the subject being typed; shown ones are recorded."""
    hits = search.search_articles(None, subject, limit=SUGGESTIONS, prefix=True, any_word=True)
    if hits:
        kb_actions.do_record_suggestions(
            token=token,
            customer=customer,
            article_ids=[h.article.pk for h in hits],
            now=clock.now(),
        )
    return hits


@require_GET
@customer_required
def suggest(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The htmx fragment under the subject of a new case."""
    if _limited(request, "help-suggest", RATE_SUGGEST):
        return HttpResponse("", status=429)
    subject = search.clean_query(str(request.GET.get("subject", "")))
    token = str(request.GET.get("deflection", ""))
    hits = suggestions_for(customer, subject, token) if len(subject) >= 3 else []
    return render(
        request,
        "portal/_help_suggestions.html",
        {"hits": hits, "deflection": token if kb_actions.valid_token(token) else ""},
    )
