"""The saved-view pages: the list with counts and a form for a new view, editing and
deleting a view, one view's cases (in the view's columns) with checkboxes and the bulk
form, and the bulk summary. Thin: changes go
through ``caredesk.savedviews.actions`` and ``caredesk.savedviews.bulk``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Membership, Team, User
from caredesk.accounts.selectors import assignable_staff
from caredesk.core.clock import now
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import error_status
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import Target
from caredesk.customfields.validation import as_text
from caredesk.macros.rules import usable_macros
from caredesk.savedviews import actions, bulk, forms, rules, selectors
from caredesk.savedviews.filters import COLUMNS, DEFAULT_COLUMNS, FIELD_PREFIX, ViewFilters
from caredesk.savedviews.models import SavedView
from caredesk.tickets.models import Priority, Status

PAGE = 100


def _view(request: HttpRequest, key: str) -> tuple[str, ViewFilters, str, Any]:
    user = current_user(request)
    if key in selectors.BUILTIN_VIEWS:
        b = selectors.BUILTIN_VIEWS[key]
        return b.name, b.filters, b.sort, None
    if not key.startswith("v") or not key[1:].isdigit() or len(key) > 12:
        raise Http404("No such view.")
    try:
        view = selectors.get_view(user, int(key[1:]))
    except NotFound:
        raise Http404("No such view.") from None
    return view.name, selectors.view_filters(view), view.sort, view


def _my_teams(user: User) -> list[Team]:
    if user.sees_all_cases:
        return list(Team.objects.order_by("name"))
    ids = Membership.objects.filter(user_id=user.pk).values("team_id")
    return list(Team.objects.filter(pk__in=ids).order_by("name"))


def _field_columns(user: User) -> list[tuple[str, str]]:
    """The custom case fields this user sees, as column choices "field:<key>"."""
    return [
        (FIELD_PREFIX + d.key, d.label)
        for d in field_selectors.visible_definitions(user, Target.CASE)
    ]


def _form_context(
    user: User, form: forms.FormValues, *, view: SavedView | None = None, error: str = ""
) -> dict[str, Any]:
    return {
        "nav": "inbox",
        "entries": selectors.sidebar(user) if view is None else [],
        "teams": _my_teams(user),
        "all_teams": Team.objects.order_by("name"),
        "staff": assignable_staff(),
        "choices": forms.CHOICES,
        "field_columns": _field_columns(user),
        "form": form,
        "view": view,
        "error": error,
        "action": f"/views/v{view.pk}/edit" if view is not None else "/views/new",
        "submit": "Save changes" if view is not None else "Save view",
        "cancel": f"/views/v{view.pk}/" if view is not None else "",
    }


@require_GET
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    context = _form_context(user, forms.values_for(None))
    return render(request, "savedviews/index.html", context)


@require_GET
@staff_required
def sidebar(request: HttpRequest) -> HttpResponse:
    """The views with their live counts (an htmx fragment the inbox loads and refreshes,
    so the inbox itself costs no extra queries)."""
    user = current_user(request)
    key = request.GET.get("current", "")[:12]
    context = {"entries": selectors.sidebar(user), "key": key}
    return render(request, "savedviews/_sidebar.html", context)


@require_POST
@staff_required
def create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    try:
        view = actions.do_create_view(
            actor=user, data=forms.data_from_post(request.POST), now=now()
        )
    except DomainError as error:
        context = _form_context(user, forms.values_posted(request.POST, None), error=error.message)
        return render(request, "savedviews/index.html", context, status=error_status(error))
    return HttpResponseRedirect(f"/views/v{view.pk}/")


def _editable(request: HttpRequest, key: str) -> SavedView:
    """A saved view the user may change; others' views are not found (ADR 0002)."""
    _, _, _, view = _view(request, key)
    if view is None or not rules.may_edit(current_user(request), view):
        raise Http404("No such view.")
    return view


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request: HttpRequest, key: str) -> HttpResponse:
    user = current_user(request)
    view = _editable(request, key)
    if request.method == "GET":
        context = _form_context(user, forms.values_for(view), view=view)
        return render(request, "savedviews/edit.html", context)
    data = forms.data_from_post(request.POST, kept=forms.kept_filters(view))
    try:
        actions.do_update_view(actor=user, view=view, data=data, now=now())
    except DomainError as error:
        form = forms.values_posted(request.POST, view)
        context = _form_context(user, form, view=view, error=error.message)
        return render(request, "savedviews/edit.html", context, status=error_status(error))
    return HttpResponseRedirect(f"/views/v{view.pk}/")


@require_POST
@staff_required
def delete(request: HttpRequest, key: str) -> HttpResponse:
    view = _editable(request, key)
    try:
        actions.do_delete_view(actor=current_user(request), view=view, now=now())
    except DomainError as error:
        return HttpResponse(error.message, status=error_status(error))
    return HttpResponseRedirect("/views/")


@require_GET
@staff_required
def cases(request: HttpRequest, key: str) -> HttpResponse:
    user = current_user(request)
    name, filters, sort, view = _view(request, key)
    qs = selectors.cases(user, filters, sort).select_related("customer", "team", "assignee")
    columns = list(view.columns) if view is not None and view.columns else list(DEFAULT_COLUMNS)
    if "tags" in columns:
        qs = qs.prefetch_related("tags")
    rows = list(qs[: PAGE + 1])
    fields = {FIELD_PREFIX + d.key: d for d in field_selectors.visible_definitions(user, "case")}
    shown = [fields[c] for c in columns if c in fields]
    values = field_selectors.values_of(shown, [t.pk for t in rows[:PAGE]])
    for t in rows[:PAGE]:
        mine = values.get(t.pk, {})
        t.field_texts = {  # type: ignore[attr-defined]
            FIELD_PREFIX + d.key: as_text(mine.get(d.key)) for d in shown
        }
    context = {
        "nav": "inbox",
        "key": key,
        "name": name,
        "view": view,
        "may_edit": view is not None and rules.may_edit(user, view),
        "columns": [
            (c, COLUMNS[c] if c in COLUMNS else fields[c].label)
            for c in columns
            if c in COLUMNS or c in fields
        ],
        "rows": rows[:PAGE],
        "more": len(rows) > PAGE,
        "count": selectors.capped_count(user, filters),
        "limit": bulk.MAX_SELECTION,
        "operations": bulk.OPERATIONS,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "teams": Team.objects.order_by("name"),
        "staff": assignable_staff(),
        "macros": usable_macros(user).order_by("title"),
    }
    return render(request, "savedviews/cases.html", context)


def _int(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@require_POST
@staff_required
def bulk_apply(request: HttpRequest) -> HttpResponse:
    """Apply one change to the selected cases, or to every case of the view ("all
    matching", up to the limit), and show what changed and what was refused."""
    user = current_user(request)
    ids: list[Any] = request.POST.getlist("case")
    key = request.POST.get("view", "")[:12]
    try:
        if request.POST.get("all_matching") == "1":
            _name, filters, sort, _v = _view(request, key)
            ids = list(
                selectors.cases(user, filters, sort).values_list("pk", flat=True)[
                    : bulk.MAX_SELECTION + 1
                ]
            )
        change = bulk.BulkChange(
            op=request.POST.get("op", "")[:40],
            assignee_id=_int(request.POST.get("assignee", "")),
            team_id=_int(request.POST.get("team", "")),
            status=request.POST.get("status", "")[:40],
            priority=request.POST.get("priority", "")[:40],
            tags=request.POST.get("tags", "")[:2000].replace(",", " ").split(),
            macro_id=_int(request.POST.get("macro", "")),
        )
        summary = bulk.do_bulk(actor=user, case_ids=ids, change=change, now=now())
    except DomainError as error:
        failed: dict[str, Any] = {"nav": "inbox", "error": error.message, "key": key}
        return render(request, "savedviews/summary.html", failed, status=error_status(error))
    context: dict[str, Any] = {
        "nav": "inbox",
        "summary": summary,
        "label": bulk.OPERATIONS[summary.op],
        "key": key,
    }
    return render(request, "savedviews/summary.html", context)
