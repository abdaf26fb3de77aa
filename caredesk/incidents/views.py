"""Staff pages for incidents: the list, the declare form (with the audience preview),
the incident page. Agents view; leads, managers and admins change (every change is an
incident action, the API calls the same ones)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.core.http import check_pk
from caredesk.incidents import actions, audience, selectors
from caredesk.incidents.forms import DeclareForm, ResolveForm, UpdateForm
from caredesk.incidents.models import Incident


def _first_error(form: DeclareForm | UpdateForm | ResolveForm) -> str:
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = (field.label if field is not None else "") or name.replace("_", " ")
        return f"{str(label).capitalize()}: {errors[0]}"
    return gettext("Please check the form.")


@require_GET
@staff_required
def incident_list(request: HttpRequest) -> HttpResponse:
    status = str(request.GET.get("status") or "")
    page = Paginator(selectors.incidents(status), selectors.PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/list.html",
        {
            "nav": "incidents",
            "page": page,
            "status": status,
            "may_declare": actions.may_declare(current_user(request)),
        },
    )


def _declare_page(
    request: HttpRequest,
    form: DeclareForm,
    *,
    error: str = "",
    error_rows: list[dict[str, object]] | None = None,
    preview: int | None = None,
    skipped: list[audience.RowError] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "incidents/declare.html",
        {
            "nav": "incidents",
            "form": form,
            "error": error,
            "error_rows": error_rows or [],
            "preview": preview,
            "skipped": skipped or [],
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not actions.may_declare(user):
        raise Http404
    if request.method == "GET":
        return _declare_page(request, DeclareForm())
    form = DeclareForm(request.POST, request.FILES)
    if not form.is_valid():
        return _declare_page(request, form, error=_first_error(form), status=400)
    try:
        rule, skipped = form.rule()
        if "preview" in request.POST:
            return _declare_page(request, form, preview=audience.count(rule), skipped=skipped)
        done = actions.do_declare_incident(
            actor=user,
            title=form.cleaned_data["title"],
            public_text=form.cleaned_data["public_text"],
            rule=rule,
            now=clock.now(),
        )
    except DomainError as error:
        rows = error.details if error.code.startswith("csv_") else None
        return _declare_page(
            request, form, error=error.message, error_rows=rows, status=error.status
        )
    messages.success(
        request,
        ngettext(
            "Incident declared: %(count)s customer is being told.",
            "Incident declared: %(count)s customers are being told.",
            done.incident.audience_count,
        )
        % {"count": intcomma(done.incident.audience_count)},
    )
    return HttpResponseRedirect(f"/incidents/{done.incident.pk}/")


def _incident(pk: int) -> Incident:
    incident = Incident.objects.filter(pk=check_pk(pk)).first()
    if incident is None:
        raise Http404
    return incident


@require_GET
@staff_required
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    return render(
        request,
        "incidents/incident.html",
        {
            "nav": "incidents",
            "incident": incident,
            "updates": selectors.updates(incident),
            "audience": selectors.audience_page(incident),
            "rule": selectors.describe_rule(incident.audience_rule),
            "cases": selectors.linked_cases(incident),
            "open_cases": selectors.open_linked_count(incident),
            "may_change": actions.may_declare(current_user(request)),
            "update_form": UpdateForm(),
            "resolve_form": ResolveForm(),
        },
    )


def _done(request: HttpRequest, incident: Incident, text: str) -> HttpResponse:
    messages.success(request, text)
    return HttpResponseRedirect(f"/incidents/{incident.pk}/")


def _refused(request: HttpRequest, incident: Incident, text: str) -> HttpResponse:
    messages.error(request, gettext("%(error)s Nothing was changed.") % {"error": text})
    return HttpResponseRedirect(f"/incidents/{incident.pk}/")


@staff_required
@require_POST
def post_update(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return _refused(request, incident, _first_error(form))
    try:
        actions.do_post_update(
            incident,
            actor=current_user(request),
            body=form.cleaned_data["body"],
            essential=form.cleaned_data["essential"],
            now=clock.now(),
        )
    except DomainError as error:
        return _refused(request, incident, error.message)
    return _done(
        request, incident, gettext("Update posted: every affected customer is being told.")
    )


@staff_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _refused(request, incident, _first_error(form))
    try:
        actions.do_resolve_incident(
            incident, actor=current_user(request), body=form.cleaned_data["body"], now=clock.now()
        )
    except DomainError as error:
        return _refused(request, incident, error.message)
    return _done(
        request, incident, gettext("Incident resolved: every affected customer is being told.")
    )


@staff_required
@require_POST
def close_cases(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    try:
        closed = actions.do_close_linked_cases(
            incident, actor=current_user(request), now=clock.now()
        )
    except DomainError as error:
        return _refused(request, incident, error.message)
    return _done(request, incident, f"{len(closed)} linked case(s) closed.")
