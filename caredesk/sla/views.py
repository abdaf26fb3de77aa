"""SLA pages: take the next case from the fair queue (notices are in /notifications/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.sla.queue import next_work


@require_POST
@staff_required
def next_case(request: HttpRequest) -> HttpResponse:
    """Open my own due work (a promise falling due), else assign the most urgent waiting
    case (fair by tier) to me and open it."""
    agent = current_user(request)
    try:
        work = next_work(agent, clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/")
    if work.ticket is None:
        messages.info(request, work.message)
        return HttpResponseRedirect("/")
    messages.success(request, work.message)
    return HttpResponseRedirect(f"/cases/{work.ticket.pk}/")


@require_http_methods(["GET", "POST"])
@staff_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The old SLA notifications page: every notice is in the notification center now."""
    return HttpResponsePermanentRedirect("/notifications/")
