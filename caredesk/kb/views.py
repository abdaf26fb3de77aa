"""The staff pages of the knowledge base: the article list, the editor, an article with
its history, the categories, and the reply box picker (an htmx fragment). Thin: every
change goes through ``caredesk.kb.actions``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.forms import first_error
from caredesk.core.http import check_pk, error_status
from caredesk.kb import actions, rules, search, selectors
from caredesk.kb.forms import ArticleForm, CategoryForm
from caredesk.kb.models import Article, ArticleStatus, Category
from caredesk.policies.models import Policy
from caredesk.tickets.access import access_ticket

STATUS_FILTERS = ("all", *ArticleStatus.values)
STATUS_LABELS = (("all", _("All")), *ArticleStatus.choices)
PER_PAGE = 50


def _article(request: HttpRequest, pk: int) -> Article:
    try:
        return selectors.article_by_id(current_user(request), check_pk(pk))
    except NotFound:
        raise Http404("No such article.") from None


def _categories() -> list[Category]:
    return list(Category.objects.order_by("position", "name"))


@require_GET
@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    status = str(request.GET.get("status", "all"))
    if status not in STATUS_FILTERS:
        status = "all"
    qs = selectors.readable(user).order_by("-updated_at", "-id")
    if status != "all":
        qs = qs.filter(status=status)
    q = search.clean_query(str(request.GET.get("q", "")))
    hits = search.search_articles(user, q, limit=50) if q else None
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page")) if hits is None else None
    context = {
        "nav": "kb",
        "articles": list(page.object_list) if page is not None else [h.article for h in hits or []],
        "page": page,
        "status": status,
        "statuses": STATUS_LABELS,
        "q": q,
        "can_manage": rules.can_manage(user),
        "policies": list(
            Policy.objects.filter(is_active=True, article__isnull=True).order_by("title")[:50]
        )
        if rules.can_manage(user)
        else [],
    }
    return render(request, "kb/list.html", context)


def _data(form: ArticleForm) -> actions.ArticleData:
    d = form.cleaned_data
    return actions.ArticleData(
        title=d["title"],
        body=d["body"],
        category=form.chosen_category(),
        visibility=d["visibility"],
        language=d["language"],
        slug=d.get("slug") or "",
    )


def _editor(
    request: HttpRequest,
    form: ArticleForm,
    article: Article | None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {"nav": "kb", "form": form, "article": article, "error": error}
    return render(request, "kb/form.html", context, status=status)


def _save(request: HttpRequest, article: Article | None) -> HttpResponse:
    user = current_user(request)
    form = ArticleForm(request.POST, categories=_categories())
    if not form.is_valid():
        return _editor(request, form, article, first_error(form), 400)
    try:
        saved = actions.do_write_article(
            actor=user, data=_data(form), now=clock.now(), article=article
        )
    except DomainError as exc:
        return _editor(request, form, article, exc.message, error_status(exc))
    messages.success(
        request,
        gettext("“%(title)s” is saved (version %(version)s).")
        % {"title": saved.title, "version": saved.version},
    )
    return HttpResponseRedirect(f"/kb/{saved.pk}/")


@require_http_methods(["GET", "POST"])
@staff_required
def create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    return _editor(request, ArticleForm(categories=_categories()), None)


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if not rules.may_edit(current_user(request), article):
        messages.error(request, rules.REFUSED_MANAGE)
        return HttpResponseRedirect(f"/kb/{article.pk}/")
    if request.method == "POST":
        return _save(request, article)
    initial = {
        "title": article.title,
        "slug": article.slug,
        "category": str(article.category_id or ""),
        "visibility": article.visibility,
        "language": article.language,
        "body": article.body,
    }
    return _editor(request, ArticleForm(initial=initial, categories=_categories()), article)


@require_GET
@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    article = _article(request, pk)
    context = {
        "nav": "kb",
        "article": article,
        "body": selectors.shown_body(article),
        "can_edit": rules.may_edit(user, article),
        "can_manage": rules.can_manage(user),
    }
    return render(request, "kb/detail.html", context)


@require_GET
@staff_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    versions = list(article.versions.select_related("written_by", "replaced_by").all()[:200])
    return render(
        request, "kb/history.html", {"nav": "kb", "article": article, "versions": versions}
    )


def _status_change(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponse:
    article = _article(request, pk)
    try:
        act(actor=current_user(request), article=article, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(f"/kb/{article.pk}/")


@require_POST
@staff_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, actions.do_publish_article, gettext("Published."))


@require_POST
@staff_required
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(
        request, pk, actions.do_archive_article, gettext("Archived: no longer listed or found.")
    )


@require_POST
@staff_required
def unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, actions.do_unpublish_article, gettext("Back to draft."))


@require_POST
@staff_required
def publish_policy(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = Policy.objects.filter(pk=check_pk(policy_id)).first()
    if policy is None:
        raise Http404("No such policy.")
    try:
        article = actions.do_publish_policy(
            actor=current_user(request), policy=policy, now=clock.now()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/kb/")
    messages.success(
        request,
        gettext("The policy “%(title)s” is published as an article.") % {"title": policy.title},
    )
    return HttpResponseRedirect(f"/kb/{article.pk}/")


def _categories_page(
    request: HttpRequest, form: CategoryForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    user = current_user(request)
    context = {
        "nav": "kb",
        "categories": selectors.categories(user),
        "form": form or CategoryForm(),
        "error": error,
        "can_manage": rules.can_manage(user),
    }
    return render(request, "kb/categories.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def categories(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _categories_page(request)
    return _save_category(request, None)


def _save_category(request: HttpRequest, category: Category | None) -> HttpResponse:
    form = CategoryForm(request.POST)
    if not form.is_valid():
        return _categories_page(
            request, form, "Please give the category a name (and a position from 0).", 400
        )
    d = form.cleaned_data
    try:
        actions.do_save_category(
            actor=current_user(request),
            name=d["name"],
            description=d.get("description") or "",
            position=d.get("position") or 0,
            category=category,
            now=clock.now(),
        )
    except DomainError as exc:
        return _categories_page(request, form, exc.message, error_status(exc))
    messages.success(request, gettext("Category saved."))
    return HttpResponseRedirect("/kb/categories/")


def _category(pk: int) -> Category:
    category = Category.objects.filter(pk=check_pk(pk)).first()
    if category is None:
        raise Http404("No such category.")
    return category


@require_POST
@staff_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_category(request, _category(pk))


@require_POST
@staff_required
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = _category(pk)
    try:
        actions.do_delete_category(actor=current_user(request), category=category, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Category “%(name)s” deleted; its articles stay.") % {"name": category.name},
        )
    return HttpResponseRedirect("/kb/categories/")


@require_GET
@staff_required
def picker(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply box's article search: published articles, each with its public link."""
    user = current_user(request)
    try:
        ticket = access_ticket(user, check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None
    q = search.clean_query(str(request.GET.get("q", "")))
    hits = search.search_articles(user, q, limit=10, prefix=True) if q else []
    # The site's own address (not the request's Host): the link goes to a customer.
    base = f"{settings.SITE_URL}/help/articles/"
    rows = [{"hit": h, "url": f"{base}{h.article.slug}/"} for h in hits]
    return render(request, "kb/_picker_results.html", {"rows": rows, "q": q, "ticket": ticket})
