"""Logging a call from the case page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.channels.phone.actions import do_log_call
from caredesk.channels.phone.forms import CallForm
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk, error_status
from caredesk.tickets.access import access_ticket


@require_POST
@staff_required
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        ticket = access_ticket(user, check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None
    form = CallForm(request.POST)
    try:
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            label = form.fields[field].label if field in form.fields else field
            raise DomainError(f"{label}: {errors[0]}")
        call = do_log_call(
            ticket,
            agent=user,
            direction=form.cleaned_data["direction"],
            number=form.cleaned_data["number"],
            duration_seconds=form.duration_seconds(),
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
            now=clock.now(),
        )
    except DomainError as error:
        return render(
            request,
            "phone/log_call.html",
            {"nav": "case", "ticket": ticket, "form": form, "error": error.message},
            status=error_status(error),
        )
    done = _("Call logged.")
    if call.kept_promise is not None:
        done = _("Call logged. Callback promise kept: %(promise)s") % {
            "promise": call.kept_promise.text
        }
    messages.success(request, done)
    return HttpResponseRedirect(f"/cases/{ticket.pk}/#promises")
