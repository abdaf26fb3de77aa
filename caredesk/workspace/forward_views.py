"""Forward a case by mail from the case page: one form, one action
(``caredesk.tickets.forward.do_forward_case``)."""

from __future__ import annotations

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from caredesk.accounts.guards import staff_required
from caredesk.accounts.models import User
from caredesk.core.clock import now
from caredesk.tickets.forward import do_forward_case
from caredesk.tickets.models import Ticket
from caredesk.workspace.case_views import apply_change
from caredesk.workspace.forms import ForwardForm


@require_POST
@staff_required
def forward_case(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(ticket: Ticket, user: User, form: Form) -> str:
        data = form.cleaned_data
        done = do_forward_case(
            ticket,
            actor=user,
            to=data["to"],
            note=data.get("note") or "",
            include=data["include"],
            internal_notes=bool(data.get("internal_notes")),
            now=now(),
        )
        what = "the last message" if data["include"] == "last" else "the conversation"
        notes = " with internal notes" if done.internal_notes else ""
        return f"Forwarded {what}{notes} to {', '.join(done.to)}."

    return apply_change(request, pk, ForwardForm(request.POST), "forward", apply)
