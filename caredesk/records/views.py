"""Staff pages for customer records: add or edit one by hand, link a case to one.
Thin: every change is a record action (the API does the same through the same ones)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk, error_status
from caredesk.customers.models import Customer
from caredesk.records import actions
from caredesk.records.forms import LinkForm, RecordForm, initial_for
from caredesk.records.models import Record, Source
from caredesk.tickets.access import access_ticket


def _form_error(form: RecordForm | LinkForm) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label or name.replace('_', ' ').capitalize()}: {errors[0]}"
    return "Please check the form."


def _page(
    request: HttpRequest,
    form: RecordForm,
    *,
    customer: Customer,
    record: Record | None,
    back: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "records/form.html",
        {
            "nav": "case",
            "form": form,
            "customer": customer,
            "record": record,
            "back": back,
            "error": error,
        },
        status=status,
    )


def _back(request: HttpRequest) -> str:
    back = str(request.GET.get("back") or request.POST.get("back") or "/")
    return back if back.startswith("/") and not back.startswith("//") else "/"


def _save(request: HttpRequest, customer: Customer, record: Record | None) -> HttpResponse:
    back = _back(request)
    if request.method == "GET":
        initial = initial_for(record) if record else {}
        return _page(
            request, RecordForm(initial=initial), customer=customer, record=record, back=back
        )
    form = RecordForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_form_error(form))
        data = form.as_record({"customer_id": customer.pk})
        if record is not None:  # the key of an existing record stays as it is
            data.update(kind=record.kind, external_id=record.external_id)
        done = actions.do_upsert_record(
            data, actor=current_user(request), now=clock.now(), source=Source.STAFF
        )
    except DomainError as error:
        return _page(
            request,
            form,
            customer=customer,
            record=record,
            back=back,
            error=error.message,
            status=error_status(error),
        )
    messages.success(request, f"{done.record.label}: {done.outcome}.")
    return HttpResponseRedirect(back)


@require_http_methods(["GET", "POST"])
@staff_required
def new_record(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = Customer.objects.filter(pk=check_pk(customer_id)).first()
    if customer is None:
        raise Http404("No such customer.")
    return _save(request, customer, None)


@require_http_methods(["GET", "POST"])
@staff_required
def edit_record(request: HttpRequest, pk: int) -> HttpResponse:
    record = (
        Record.objects.filter(pk=check_pk(pk), customer__isnull=False)
        .select_related("customer")
        .first()
    )
    if record is None or record.customer is None:
        raise Http404("No such record.")
    return _save(request, record.customer, record)


@require_POST
@staff_required
def link_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        ticket = access_ticket(user, check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None
    form = LinkForm(request.POST)
    url = f"/cases/{ticket.pk}/#records"
    try:
        if not form.is_valid():
            raise DomainError(_form_error(form))
        actions.do_link_record(
            ticket,
            actor=user,
            record_id=form.cleaned_data["record"],
            line_id=form.cleaned_data.get("line"),
            now=clock.now(),
        )
    except DomainError as error:
        messages.error(request, _("Not linked: %(reason)s") % {"reason": error.message})
        return HttpResponseRedirect(url)
    messages.success(request, _("Record linked to the case."))
    return HttpResponseRedirect(url)
