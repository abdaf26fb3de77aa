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
from caredesk.sla.queue import claim_next_case


@require_POST
@staff_required
def next_case(request: HttpRequest) -> HttpResponse:
    """Assign the most urgent waiting case (fair by tier) to me and open it."""
    agent = current_user(request)
    try:
        ticket = claim_next_case(agent, clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/")
    if ticket is None:
        messages.info(request, "No case is waiting for your teams right now.")
        return HttpResponseRedirect("/")
    messages.success(request, f"{ticket.reference} is now yours.")
    return HttpResponseRedirect(f"/cases/{ticket.pk}/")


@require_http_methods(["GET", "POST"])
@staff_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The old SLA notifications page: every notice is in the notification center now."""
    return HttpResponsePermanentRedirect("/notifications/")
