"""The macro pages: the management list and form, and the reply box picker (htmx
fragments). Thin: every change goes through ``caredesk.macros.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team, User
from caredesk.accounts.selectors import assignable_staff
from caredesk.core.clock import now
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.forms import first_error
from caredesk.core.http import check_pk, error_status
from caredesk.macros import actions, rules, selectors
from caredesk.macros.forms import MacroForm
from caredesk.macros.models import Macro, Scope
from caredesk.macros.placeholders import known_names
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Ticket


def _case(request: HttpRequest, pk: int) -> Ticket:
    try:
        return access_ticket(current_user(request), check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None


def _editable(request: HttpRequest, pk: int) -> Macro:
    user = current_user(request)
    macro = rules.listed_macros(user).filter(pk=check_pk(pk)).first()
    if macro is None or not rules.may_edit(user, macro):
        raise Http404("No such macro.")
    return macro


def _form(user: User, data: Any = None, initial: dict[str, Any] | None = None) -> MacroForm:
    teams = list(Team.objects.order_by("name"))
    return MacroForm(data, initial=initial, teams=teams, staff=assignable_staff())


def _form_page(
    request: HttpRequest,
    form: MacroForm,
    macro: Macro | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    context = {
        "nav": "macros",
        "form": form,
        "macro": macro,
        "error": error,
        "placeholders": sorted(known_names().items()),
        "can_share": rules.can_manage(user, Scope.GLOBAL, None),
    }
    return render(request, "macros/form.html", context, status=status)


@require_GET
@staff_required
def manage(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    rows = [
        {"m": m, "can_edit": rules.may_edit(user, m)}
        for m in rules.listed_macros(user).order_by("scope", "title", "id")
    ]
    context = {
        "nav": "macros",
        "rows": rows,
        "can_share": rules.can_manage(user, Scope.GLOBAL, None),
    }
    return render(request, "macros/manage.html", context)


def _save(request: HttpRequest, macro: Macro | None) -> HttpResponse:
    user = current_user(request)
    form = _form(user, request.POST)
    try:
        if not form.is_valid():
            raise DomainError(first_error(form))
        data = form.data_for_action()
        if macro is None:
            saved = actions.do_create_macro(actor=user, data=data, now=now())
        else:
            saved = actions.do_update_macro(actor=user, macro=macro, data=data, now=now())
    except DomainError as error:
        return _form_page(request, form, macro, error=error.message, status=error_status(error))
    messages.success(request, _("Macro “%(title)s” saved.") % {"title": saved.title})
    return HttpResponseRedirect("/macros/")


@require_http_methods(["GET", "POST"])
@staff_required
def create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    initial = {"scope": Scope.PERSONAL, "active": True}
    return _form_page(request, _form(current_user(request), initial=initial), None)


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    macro = _editable(request, pk)
    if request.method == "POST":
        return _save(request, macro)
    form = _form(current_user(request), initial=MacroForm.initial_for(macro))
    return _form_page(request, form, macro)


@require_POST
@staff_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = _editable(request, pk)
    try:
        actions.do_delete_macro(actor=current_user(request), macro=macro, now=now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Macro “%(title)s” deleted.") % {"title": macro.title})
    return HttpResponseRedirect("/macros/")


@require_GET
@staff_required
def picker(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker's search results (an htmx fragment)."""
    ticket = _case(request, pk)
    q = request.GET.get("q", "")[:200]
    found = selectors.search(current_user(request), q)
    context = {"ticket": ticket, "macros": found, "q": q}
    return render(request, "macros/_picker_results.html", context)


def _usable(request: HttpRequest, macro_id: int) -> Macro:
    try:
        return selectors.usable(current_user(request), check_pk(macro_id))
    except NotFound:
        raise Http404("No such macro.") from None


@require_GET
@staff_required
def preview(request: HttpRequest, pk: int, macro_id: int) -> HttpResponse:
    ticket = _case(request, pk)
    macro = _usable(request, macro_id)
    context: dict[str, Any] = {"ticket": ticket, "macro": macro}
    try:
        context["preview"] = selectors.preview_macro(current_user(request), ticket, macro, now())
    except DomainError as error:
        context["error"] = error.message
    return render(request, "macros/_preview.html", context)


@require_POST
@staff_required
def apply(request: HttpRequest, pk: int, macro_id: int) -> HttpResponse:
    ticket = _case(request, pk)
    macro = _usable(request, macro_id)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        applied = actions.do_apply_macro(current_user(request), ticket, macro, now())
    except DomainError as error:
        if htmx:
            context = {"macro": macro, "error": error.message}
            return render(request, "macros/_applied.html", context, status=error_status(error))
        messages.error(request, error.message)
        return HttpResponseRedirect(f"/cases/{ticket.pk}/#reply")
    if htmx:
        return render(request, "macros/_applied.html", {"macro": macro, "applied": applied})
    return HttpResponseRedirect(f"/cases/{ticket.pk}/?macro_use={applied.use.pk}#reply")
