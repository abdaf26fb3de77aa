"""Merge into…, split a message, and the links panel of the case page. Thin: each POST
validates its form and calls one action of ``caredesk.tickets.merge`` or ``links``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import User
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, DomainError, NotFound
from caredesk.core.http import error_status
from caredesk.tickets import links, merge
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import CaseLink, Ticket, parse_reference
from caredesk.workspace.case_views import case_or_404, case_url, render_case
from caredesk.workspace.links_panel import LinkForm, MergeForm, ResolveChildrenForm, SplitForm


def _other_case(user: User, text: str) -> Ticket:
    """The case a typed reference (``CD-1042`` or ``1042``) names, if this user sees it."""
    pk = parse_reference(text)
    if pk is None:
        raise DomainError(
            gettext("“%(text)s” is not a case reference like CD-1042.")
            % {"text": text.strip()[:40]}
        )
    try:
        return access_ticket(user, pk)
    except NotFound:
        raise DomainError(
            gettext("No case %(reference)s that you can see.")
            % {"reference": text.strip()[:40].upper()}
        ) from None


def _refused(
    request: HttpRequest, ticket: Ticket, error: DomainError, target: str, **extra: Any
) -> HttpResponse:
    return render_case(
        request,
        ticket,
        status=error_status(error),
        error=error.message,
        error_target=target,
        **extra,
    )


def _first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        return f"{field.replace('_', ' ').capitalize()}: {errors[0]}"
    return "Please check the form."


@require_GET
@staff_required
def merge_lookup(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the case a typed reference names (subject, customer), before merging."""
    ticket = case_or_404(request, pk)
    text = request.GET.get("into", "")[:40]
    found: Ticket | None = None
    problem = ""
    if text.strip():
        try:
            found = _other_case(current_user(request), text)
        except DomainError as error:
            problem = error.message
    context = {"ticket": ticket, "found": found, "problem": problem}
    return render(request, "workspace/_merge_lookup.html", context)


@require_POST
@staff_required
def merge_case(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = case_or_404(request, pk)
    user = current_user(request)
    form = MergeForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        target = _other_case(user, form.cleaned_data["into"])
        done = merge.do_merge_cases(
            ticket,
            target,
            actor=user,
            now=now(),
            confirm_other_customer=form.cleaned_data["confirm_other_customer"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        ask = isinstance(error, Conflict) and error.code == "confirm_other_customer"
        return _refused(request, ticket, error, "merge", merge_form=form, merge_confirm=ask)
    messages.success(
        request,
        gettext("%(source)s merged into %(target)s; %(customer)s was told by mail.")
        % {
            "source": done.source.reference,
            "target": done.target.reference,
            "customer": done.source.customer.name,
        },
    )
    return HttpResponseRedirect(case_url(done.target))


@require_POST
@staff_required
def split_message(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = case_or_404(request, pk)
    form = SplitForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        new = merge.do_split_message(
            ticket,
            form.cleaned_data["message"],
            actor=current_user(request),
            now=now(),
            subject=form.cleaned_data["subject"],
        )
    except DomainError as error:
        return _refused(request, ticket, error, "split")
    messages.success(
        request, gettext("Split into the new case %(reference)s.") % {"reference": new.reference}
    )
    return HttpResponseRedirect(case_url(new))


@require_POST
@staff_required
def link_case(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = case_or_404(request, pk)
    user = current_user(request)
    form = LinkForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        other = _other_case(user, form.cleaned_data["other"])
        links.do_link_cases(ticket, other, kind=form.cleaned_data["kind"], actor=user, now=now())
    except DomainError as error:
        return _refused(request, ticket, error, "links", link_form=form)
    messages.success(
        request, gettext("Linked with %(reference)s.") % {"reference": other.reference}
    )
    return HttpResponseRedirect(case_url(ticket, "links"))


@require_POST
@staff_required
def unlink_case(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    ticket = case_or_404(request, pk)
    link: CaseLink | None = next((x for x in links.links_of(ticket) if x.pk == link_id), None)
    if link is None:
        raise Http404("No such link.")
    try:
        links.do_unlink_cases(link, actor=current_user(request), now=now())
    except DomainError as error:
        return _refused(request, ticket, error, "links")
    messages.success(request, gettext("Link removed."))
    return HttpResponseRedirect(case_url(ticket, "links"))


@require_POST
@staff_required
def resolve_children(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = case_or_404(request, pk)
    form = ResolveChildrenForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        result = links.do_resolve_children(
            ticket, actor=current_user(request), body=form.cleaned_data["body"], now=now()
        )
    except DomainError as error:
        return _refused(request, ticket, error, "links")
    count = len(result.resolved)
    text = ngettext(
        "Resolved %(count)s incident; their customers were told.",
        "Resolved %(count)s incidents; their customers were told.",
        count,
    ) % {"count": count}
    if result.refused:
        refused = len(result.refused)
        text += " " + ngettext(
            "%(count)s could not be resolved (not visible to you, or refused).",
            "%(count)s could not be resolved (not visible to you, or refused).",
            refused,
        ) % {"count": refused}
    messages.success(request, text)
    return HttpResponseRedirect(case_url(ticket, "links"))
