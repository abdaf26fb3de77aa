"""Promise pages: make, keep, move, hand over and cancel a promise; my promises; the report;
the customer's callback request. Thin: every change is an action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.core.http import check_pk, error_status
from caredesk.customers.guards import customer_required
from caredesk.customers.models import Customer
from caredesk.promises import actions, report, selectors
from caredesk.promises.forms import (
    CallbackRequestForm,
    CancelForm,
    KeepForm,
    PromiseForm,
    ReassignForm,
    RenegotiateForm,
    parse_local_datetime,
)
from caredesk.promises.models import Kind, Promise, State
from caredesk.promises.suggest import realism_warning, suggest_due
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Ticket


def _case(request: HttpRequest, pk: int) -> Ticket:
    try:
        return access_ticket(current_user(request), check_pk(pk))
    except NotFound:
        raise Http404(gettext("No such case.")) from None


def _promise(request: HttpRequest, pk: int) -> Promise:
    try:
        return selectors.promise_for(current_user(request), check_pk(pk))
    except NotFound:
        raise Http404(gettext("No such promise.")) from None


def _first_error(form: Form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label or name.replace('_', ' ').capitalize()}: {errors[0]}"
    return "Please check the form."


def _case_url(ticket_id: int) -> str:
    return f"/cases/{ticket_id}/#promises"


def _refused(
    request: HttpRequest, ticket: Ticket, form: Form, error: DomainError, action: str, title: str
) -> HttpResponse:
    """Re-show the form with what was typed and the reason, on a page of its own."""
    return render(
        request,
        "promises/form_page.html",
        {
            "nav": "case",
            "ticket": ticket,
            "form": form,
            "error": error.message,
            "action": action,
            "title": title,
            "zone": desk_zone(ticket.team).key,
        },
        status=error_status(error) if not isinstance(error, PermissionDenied) else 403,
    )


@require_POST
@staff_required
def make(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _case(request, pk)
    user = current_user(request)
    staff = selectors.staff_choices()
    form = PromiseForm(request.POST, staff=staff)
    now = clock.now()
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        zone = desk_zone(ticket.team)
        owner = next((u for u in staff if u.pk == form.cleaned_data["owner"]), None)
        draft = actions.PromiseDraft(
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            due_at=parse_local_datetime(form.cleaned_data["due"], zone, field="due time"),
            owner=owner,
            customer_visible=form.cleaned_data["customer_visible"],
        )
        promise = actions.do_make_promise(ticket, actor=user, draft=draft, now=now)
    except DomainError as error:
        return _refused(
            request,
            ticket,
            form,
            error,
            f"/promises/cases/{ticket.pk}/make",
            gettext("Make a promise"),
        )
    warning = realism_warning(ticket.team, promise.kind, promise.due_at, now)
    if warning:
        messages.warning(request, warning)
    messages.success(
        request,
        gettext("Promise made: due %(when)s.")
        % {"when": when_words(promise.due_at, desk_zone(ticket.team))},
    )
    return HttpResponseRedirect(_case_url(ticket.pk))


def _change(
    request: HttpRequest,
    pk: int,
    form_class: Callable[..., Form],
    title: str,
    verb: str,
    apply: Callable[[Promise, User, Form, datetime], str],
    **form_kwargs: Any,
) -> HttpResponse:
    promise = _promise(request, pk)
    user = current_user(request)
    form = form_class(request.POST, **form_kwargs)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        done = apply(promise, user, form, clock.now())
    except NotFound:
        raise Http404(gettext("No such promise.")) from None
    except DomainError as error:
        return _refused(
            request, promise.ticket, form, error, f"/promises/{promise.pk}/{verb}", title
        )
    messages.success(request, done)
    return HttpResponseRedirect(_case_url(promise.ticket_id))


@require_POST
@staff_required
def keep(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(promise: Promise, user: User, form: Form, now: datetime) -> str:
        kept = actions.do_keep_promise(promise, actor=user, note=form.cleaned_data["note"], now=now)
        return (
            gettext("Promise marked kept late.")
            if kept.state == State.KEPT_LATE
            else gettext("Promise marked kept.")
        )

    return _change(request, pk, KeepForm, gettext("Mark a promise kept"), "keep", apply)


@require_POST
@staff_required
def renegotiate(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(promise: Promise, user: User, form: Form, now: datetime) -> str:
        zone = desk_zone(promise.team)
        due = parse_local_datetime(form.cleaned_data["due"], zone, field="new due time")
        change = actions.do_renegotiate_promise(
            promise, actor=user, new_due=due, message=form.cleaned_data["message"], now=now
        )
        assert change.new_due_at is not None
        when = {"when": when_words(change.new_due_at, zone)}
        if change.message_id:
            return gettext("Promise moved to %(when)s. The customer was told.") % when
        return gettext("Promise moved to %(when)s.") % when

    return _change(request, pk, RenegotiateForm, gettext("Move a promise"), "renegotiate", apply)


@require_POST
@staff_required
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    staff = selectors.staff_choices()

    def apply(promise: Promise, user: User, form: Form, now: datetime) -> str:
        owner = next((u for u in staff if u.pk == form.cleaned_data["owner"]), None)
        if owner is None:
            raise DomainError(gettext("Choose who takes the promise over."))
        actions.do_reassign_promise(
            promise, actor=user, owner=owner, now=now, reason=form.cleaned_data["reason"]
        )
        return gettext("Promise handed to %(name)s.") % {"name": owner.display_name}

    return _change(
        request, pk, ReassignForm, gettext("Hand a promise over"), "reassign", apply, staff=staff
    )


@require_POST
@staff_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(promise: Promise, user: User, form: Form, now: datetime) -> str:
        actions.do_cancel_promise(promise, actor=user, note=form.cleaned_data["note"], now=now)
        return "Promise withdrawn."

    return _change(request, pk, CancelForm, "Withdraw a promise", "cancel", apply)


@require_GET
@staff_required
def suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx fragment: what the team's history says for the chosen kind."""
    ticket = _case(request, pk)
    kind = str(request.GET.get("kind") or request.GET.get("reply-promise_kind") or "")[:20]
    if kind not in Kind.values:
        return HttpResponse("")
    now = clock.now()
    result = suggest_due(ticket.team, kind, now)
    zone = desk_zone(ticket.team)
    due_text = when_words(result.due_at, zone) if result.due_at else ""
    return render(
        request,
        "promises/_suggestion.html",
        {"suggestion": result, "text": result.text(due_text)},
    )


@require_GET
@staff_required
def mine(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    data = selectors.my_promises(user)
    return render(request, "promises/mine.html", {"nav": "promises", "data": data})


def _day(raw: str | None, default: datetime) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw or "")[:10])
    except ValueError:
        return default
    return value.replace(tzinfo=default.tzinfo) if value.tzinfo is None else value


@require_GET
@staff_required
def report_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not report.may_see_report(user):
        return render(request, "promises/forbidden.html", {"nav": "reports"}, status=403)
    now = clock.now()
    start = _day(request.GET.get("start"), now - timedelta(days=30))
    end = _day(request.GET.get("end"), now) + (
        timedelta(days=1) if request.GET.get("end") else timedelta(0)
    )
    data = report.build(user, start, end, now)
    return render(request, "promises/report.html", {"nav": "reports", "report": data})


@require_POST
@customer_required
def request_callback(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        ticket = access_ticket(user, check_pk(ticket_id))
    except NotFound:
        raise Http404(gettext("No such case.")) from None
    form = CallbackRequestForm(request.POST)
    zone = desk_zone(ticket.team)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        promise = actions.do_request_callback(
            ticket,
            customer_user=user,
            number=form.cleaned_data["number"],
            window_start=parse_local_datetime(
                form.cleaned_data["window_start"], zone, field="start of the window"
            ),
            window_end=parse_local_datetime(
                form.cleaned_data["window_end"], zone, field="end of the window"
            ),
            note=form.cleaned_data["note"],
            now=clock.now(),
        )
    except DomainError as error:
        return render(
            request,
            "promises/portal_callback.html",
            {
                "portal_customer": customer,
                "ticket": ticket,
                "form": form,
                "error": error.message,
                "zone": zone.key,
            },
            status=error.status if error.status in (400, 403, 409) else 400,
        )
    messages.success(
        request,
        gettext("Thank you. We will call you by %(when)s.")
        % {"when": when_words(promise.due_at, zone)},
    )
    return HttpResponseRedirect(f"/portal/cases/{ticket.pk}/#promises")
