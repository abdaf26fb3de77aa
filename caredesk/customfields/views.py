"""Custom field pages: the admins' definitions, and the fields of a case, customer or
organization. Thin: every change goes through ``caredesk.customfields.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team
from caredesk.core.clock import now
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk, error_status
from caredesk.customers.models import Customer, Organization
from caredesk.customfields import actions, rules, selectors
from caredesk.customfields.forms import posted, rows
from caredesk.customfields.models import FieldDefinition, Kind, Target
from caredesk.customfields.validation import DefinitionData
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import SETTABLE_STATUS_CHOICES

# ---------------------------------------------------------------- definitions (admins)


def _admin_only(request: HttpRequest) -> None:
    if not rules.may_define(current_user(request)):
        raise Http404("No such page.")


@require_GET
@staff_required
def manage(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    defs = list(FieldDefinition.objects.prefetch_related("teams"))
    groups = [
        {"target": value, "label": label, "defs": [d for d in defs if d.target == value]}
        for value, label in Target.choices
    ]
    return render(request, "customfields/manage.html", {"nav": "fields", "groups": groups})


def _data_from(request: HttpRequest) -> DefinitionData:
    post = request.POST
    try:
        team_ids = [int(t) for t in post.getlist("teams")]
    except ValueError:
        team_ids = [-1]
    return DefinitionData(
        key=post.get("key", ""),
        target=post.get("target", ""),
        label=post.get("label", ""),
        kind=post.get("kind", ""),
        options=post.get("options", ""),
        help_text=post.get("help_text", ""),
        public=bool(post.get("public")),
        required_on=post.getlist("required_on"),
        team_ids=team_ids,
        position=post.get("position") or 0,
    )


def _form_page(
    request: HttpRequest,
    data: dict[str, Any],
    definition: FieldDefinition | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "nav": "fields",
        "data": data,
        "definition": definition,
        "error": error,
        "targets": Target.choices,
        "kinds": Kind.choices,
        "statuses": SETTABLE_STATUS_CHOICES,
        "teams": list(Team.objects.order_by("name")),
    }
    return render(request, "customfields/form.html", context, status=status)


def _shown(data: DefinitionData) -> dict[str, Any]:
    options = data.options
    return {
        "key": data.key,
        "target": data.target,
        "label": data.label,
        "kind": data.kind,
        "options": options if isinstance(options, str) else "\n".join(options or []),
        "help_text": data.help_text,
        "public": data.public,
        "required_on": data.required_on or [],
        "team_ids": data.team_ids,
        "position": data.position,
    }


def _save(request: HttpRequest, definition: FieldDefinition | None) -> HttpResponse:
    user = current_user(request)
    data = _data_from(request)
    try:
        if definition is None:
            saved = actions.do_define_field(actor=user, data=data, now=now())
        else:
            saved = actions.do_change_field(actor=user, definition=definition, data=data, now=now())
    except DomainError as error:
        return _form_page(
            request, _shown(data), definition, error=error.message, status=error_status(error)
        )
    messages.success(request, _("Field “%(label)s” saved.") % {"label": saved.label})
    return HttpResponseRedirect("/fields/")


@require_http_methods(["GET", "POST"])
@staff_required
def create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    if request.method == "POST":
        return _save(request, None)
    target = request.GET.get("target", Target.CASE)
    initial = DefinitionData(key="", target=target, label="", kind=Kind.TEXT)
    return _form_page(request, _shown(initial), None)


def _definition(pk: int) -> FieldDefinition:
    definition = FieldDefinition.objects.prefetch_related("teams").filter(pk=check_pk(pk)).first()
    if definition is None:
        raise Http404("No such field.")
    return definition


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    definition = _definition(pk)
    if request.method == "POST":
        return _save(request, definition)
    data = DefinitionData(
        key=definition.key,
        target=definition.target,
        label=definition.label,
        kind=definition.kind,
        options=definition.options,
        help_text=definition.help_text,
        public=definition.public,
        required_on=definition.required_on,
        team_ids=[t.pk for t in definition.teams.all()],
        position=definition.position,
    )
    return _form_page(request, _shown(data), definition)


@require_POST
@staff_required
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    definition = _definition(pk)
    actions.do_retire_field(actor=current_user(request), definition=definition, now=now())
    messages.success(request, _("Field “%(label)s” retired.") % {"label": definition.label})
    return HttpResponseRedirect("/fields/")


# ---------------------------------------------------------------- values


def values_context(
    request: HttpRequest, target: str, object_id: int, **extra: Any
) -> dict[str, Any]:
    """The Fields panel of an object, as this staff member sees it (``typed``: a refused
    form's input, shown again)."""
    defs = selectors.visible_definitions(current_user(request), target)
    values = selectors.values_of(defs, [object_id]).get(object_id, {})
    return {
        "field_rows": rows(defs, values, extra.pop("typed", None)),
        "fields_action": f"/fields/{target}/{object_id}",
        **extra,
    }


def _object(request: HttpRequest, target: str, pk: int) -> Any:
    pk = check_pk(pk)
    try:
        if target == Target.CASE:
            return access_ticket(current_user(request), pk)
        if target == Target.CUSTOMER:
            return Customer.objects.select_related("organization").get(pk=pk)
        if target == Target.ORGANIZATION:
            return Organization.objects.get(pk=pk)
    except (NotFound, Customer.DoesNotExist, Organization.DoesNotExist):
        pass
    raise Http404("Not found.")


def _page(
    request: HttpRequest, target: str, obj: Any, status: int = 200, **extra: Any
) -> HttpResponse:
    if target == Target.CASE:
        heading, back, back_label = (
            f"Fields of {obj.reference}",
            f"/cases/{obj.pk}/",
            "Back to the case",
        )
    elif target == Target.CUSTOMER:
        heading, back, back_label = f"Customer: {obj.name}", "/", "Inbox"
    else:
        heading, back, back_label = f"Organization: {obj.name}", "/", "Inbox"
    context = {
        "nav": "fields",
        "heading": heading,
        "back_url": request.GET.get("next") if _safe_next(request) else back,
        "back_label": back_label,
        "object": obj,
        **values_context(request, target, obj.pk, **extra),
    }
    return render(request, "customfields/object.html", context, status=status)


def _safe_next(request: HttpRequest) -> bool:
    target = request.GET.get("next", "")
    return target.startswith("/cases/") and "//" not in target


@require_http_methods(["GET", "POST"])
@staff_required
def object_fields(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """GET: the fields page of a customer or organization (a case shows them in its
    panel). POST: save the form; a refusal shows the form again with what was typed."""
    if target not in Target.values:
        raise Http404("No such page.")
    obj = _object(request, target, pk)
    if request.method == "GET":
        return _page(request, target, obj)
    user = current_user(request)
    defs = selectors.visible_definitions(user, target)
    raw = posted(defs, request.POST)
    try:
        actions.do_set_field_values(obj, actor=user, values=raw, now=now())
    except DomainError as error:
        return _page(
            request,
            target,
            obj,
            status=error_status(error),
            typed=raw,
            field_error=error.message,
        )
    messages.success(request, _("Fields saved."))
    if target == Target.CASE:
        return HttpResponseRedirect(f"/cases/{obj.pk}/#fields")
    return HttpResponseRedirect(f"/fields/{target}/{obj.pk}")
