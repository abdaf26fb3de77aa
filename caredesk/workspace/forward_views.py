"""Forward a case by mail from the case page: one form, one action
(``caredesk.tickets.forward.do_forward_case``)."""

from __future__ import annotations

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
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
        to = ", ".join(done.to)
        if data["include"] == "last":
            if done.internal_notes:
                return gettext("Forwarded the last message with internal notes to %(to)s.") % {
                    "to": to
                }
            return gettext("Forwarded the last message to %(to)s.") % {"to": to}
        if done.internal_notes:
            return gettext("Forwarded the conversation with internal notes to %(to)s.") % {"to": to}
        return gettext("Forwarded the conversation to %(to)s.") % {"to": to}

    return apply_change(request, pk, ForwardForm(request.POST), "forward", apply)
