"""The automation pages: the list (order, on/off), the form, an automation's page with
its recent runs, and the dry run. Thin: every change goes through
``caredesk.automations.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team
from caredesk.accounts.selectors import assignable_staff
from caredesk.automations import actions, rules, selectors, steps
from caredesk.automations.forms import AutomationForm
from caredesk.automations.kinds import EVENT_KINDS
from caredesk.automations.models import Automation, Trigger
from caredesk.core.clock import now
from caredesk.core.errors import DomainError
from caredesk.core.forms import first_error
from caredesk.core.http import check_pk, error_status
from caredesk.macros.models import Macro, Scope
from caredesk.macros.placeholders import known_names

LIST = "/automations/"


def _get(request: HttpRequest, pk: int) -> Automation:
    found = selectors.listed().filter(pk=check_pk(pk)).first()
    if found is None:
        raise Http404("No such automation.")
    return found


def _managed(request: HttpRequest, pk: int) -> Automation:
    if not rules.can_manage(current_user(request)):
        raise Http404("No such automation.")
    return _get(request, pk)


def _form(data: Any = None, initial: dict[str, Any] | None = None) -> AutomationForm:
    macros = list(Macro.objects.exclude(scope=Scope.PERSONAL).order_by("title")[:500])
    return AutomationForm(
        data,
        initial=initial,
        teams=list(Team.objects.order_by("name")),
        staff=assignable_staff(),
        macros=macros,
        endpoints=steps.webhook_targets(),
    )


def _form_page(
    request: HttpRequest,
    form: AutomationForm,
    automation: Automation | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "nav": "automations",
        "form": form,
        "automation": automation,
        "error": error,
        "placeholders": sorted(known_names().items()),
    }
    return render(request, "automations/form.html", context, status=status)


def _summary(a: Automation) -> dict[str, Any]:
    if a.trigger == Trigger.TIME:
        hours = (a.time_minutes or 0) / 60
        state = f"status {a.time_status.replace('_', ' ')}" if a.time_status else "unassigned"
        when = f"{state} for {hours:g} {'business ' if a.time_business else ''}hours"
    else:
        when = ", ".join(EVENT_KINDS.get(k, k) for k in a.events)
    return {"a": a, "when": when, "actions": [steps.describe(s) for s in a.actions]}


@require_GET
@staff_required
def manage(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    rows = [_summary(a) for a in selectors.listed()[:500]]
    context = {"nav": "automations", "rows": rows, "can_manage": rules.can_manage(user)}
    return render(request, "automations/manage.html", context)


def _save(request: HttpRequest, automation: Automation | None) -> HttpResponse:
    user = current_user(request)
    form = _form(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(first_error(form))
        data = form.data_for_action()
        if automation is None:
            saved = actions.do_create_automation(actor=user, data=data, now=now())
        else:
            saved = actions.do_update_automation(
                actor=user, automation=automation, data=data, now=now()
            )
    except DomainError as error:
        return _form_page(
            request, form, automation, error=error.message, status=error_status(error)
        )
    messages.success(request, _("Automation “%(name)s” saved.") % {"name": saved.name})
    return HttpResponseRedirect(f"/automations/{saved.pk}/")


@require_http_methods(["GET", "POST"])
@staff_required
def create(request: HttpRequest) -> HttpResponse:
    if not rules.can_manage(current_user(request)):
        if request.method == "POST":
            return _form_page(request, _form(request.POST), None, error=rules.REFUSED, status=403)
        messages.error(request, rules.REFUSED)
        return HttpResponseRedirect(LIST)
    if request.method == "POST":
        return _save(request, None)
    initial = {"trigger": Trigger.EVENT, "active": True}
    return _form_page(request, _form(initial=initial), None)


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    automation = _managed(request, pk)
    if request.method == "POST":
        return _save(request, automation)
    return _form_page(request, _form(initial=AutomationForm.initial_for(automation)), automation)


@require_GET
@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    automation = _get(request, pk)
    context = {
        "nav": "automations",
        "row": _summary(automation),
        "runs": selectors.recent_runs(automation),
        "can_manage": rules.can_manage(current_user(request)),
    }
    return render(request, "automations/detail.html", context)


@require_GET
@staff_required
def dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    automation = _get(request, pk)
    found = selectors.dry_run(automation, now())
    context = {
        "nav": "automations",
        "row": _summary(automation),
        "found": found,
        "limit": selectors.DRY_RUN_LIMIT,
    }
    return render(request, "automations/dry_run.html", context)


def _done(request: HttpRequest, pk: int, call: Any, success: str) -> HttpResponse:
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    back = f"/automations/{pk}/" if request.POST.get("next") == "detail" else LIST
    return HttpResponseRedirect(back)


@require_POST
@staff_required
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    automation = _managed(request, pk)
    active = request.POST.get("active") == "on"
    return _done(
        request,
        automation.pk,
        lambda: actions.do_set_automation_active(
            actor=current_user(request), automation=automation, active=active, now=now()
        ),
        (
            _("Automation “%(name)s” switched on.")
            if active
            else _("Automation “%(name)s” switched off.")
        )
        % {"name": automation.name},
    )


@require_POST
@staff_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    automation = _managed(request, pk)
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        messages.error(request, _("Say where to move it (a position number)."))
        return HttpResponseRedirect(LIST)
    return _done(
        request,
        automation.pk,
        lambda: actions.do_move_automation(
            actor=current_user(request), automation=automation, position=position, now=now()
        ),
        _("Automation “%(name)s” moved.") % {"name": automation.name},
    )


@require_POST
@staff_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    automation = _managed(request, pk)
    try:
        actions.do_delete_automation(actor=current_user(request), automation=automation, now=now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Automation “%(name)s” deleted.") % {"name": automation.name})
    return HttpResponseRedirect(LIST)
