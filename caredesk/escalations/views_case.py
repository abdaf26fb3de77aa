"""Forms posted from the case page (workspace) and the portal case page.

Each checks access first (``access_ticket``: not visible → 404), runs one action, and
redirects back to the case with a clear message; a refusal is shown, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk
from caredesk.customers.guards import customer_required
from caredesk.customers.models import Customer
from caredesk.enrichment.actions import do_unflag_message
from caredesk.escalations import actions, selectors
from caredesk.escalations.forms import (
    EndConversationForm,
    EscalateForm,
    GoodwillForm,
    SupervisorForm,
)
from caredesk.escalations.models import ActionType, EscalationSource
from caredesk.escalations.texts import money, role_name, when
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Message, Ticket


def _case(user: User, pk: int) -> Ticket:
    try:
        return access_ticket(user, check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None


def _first_error(form: Form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return gettext("Please check the form.")


def _run(request: HttpRequest, url: str, form: Form, apply: Callable[[], str]) -> HttpResponse:
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return HttpResponseRedirect(url)
    try:
        done = apply()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(url)


@require_POST
@staff_required
def escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    ticket = _case(user, ticket_id)
    form = EscalateForm(request.POST)

    def apply() -> str:
        result = actions.do_escalate(
            ticket,
            actor=user,
            source=EscalationSource.AGENT,
            reason=form.cleaned_data["reason"],
            handoff_summary=form.cleaned_data["handoff_summary"],
            level=form.cleaned_data["level"],
            now=clock.now(),
        )
        esc = result.escalation
        who = esc.owner.display_name if esc.owner else pgettext("escalated to", "nobody yet")
        if not result.created and not result.raised:
            return gettext("This case is already escalated to %(who)s; your reason was added.") % {
                "who": who
            }
        level = role_name(esc.level)
        if esc.due_at:
            return gettext("Escalated to %(who)s (%(level)s), answer due %(due)s.") % {
                "who": who,
                "level": level,
                "due": when(esc.due_at),
            }
        return gettext("Escalated to %(who)s (%(level)s).") % {"who": who, "level": level}

    return _run(request, f"/cases/{ticket.pk}/#escalations", form, apply)


@require_POST
@staff_required
def goodwill(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    ticket = _case(user, ticket_id)
    types = list(ActionType.objects.filter(is_active=True).order_by("name"))
    form = GoodwillForm(request.POST, types=types)

    def apply() -> str:
        outcome = actions.do_request_goodwill(
            ticket,
            agent=user,
            action_type=form.chosen_type(),
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            now=clock.now(),
        )
        if outcome.applied is not None:
            done = outcome.applied
            what = f"{done.action_type.name} {money(done.amount, done.currency)}".strip()
            return gettext("%(what)s applied.") % {"what": what}
        approval = outcome.approval
        assert approval is not None and approval.approver is not None
        who = approval.approver.display_name
        if approval.due_at:
            return gettext(
                "Above your limit: sent to %(who)s for approval, decision due %(due)s."
            ) % {"who": who, "due": when(approval.due_at)}
        return gettext("Above your limit: sent to %(who)s for approval.") % {"who": who}

    return _run(request, f"/cases/{ticket.pk}/#approvals", form, apply)


@require_POST
@staff_required
def tell_customer(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    approval = selectors.find_approval(user, check_pk(pk))
    if approval is None:
        raise Http404("No such approval request.")

    def apply() -> str:
        actions.do_tell_customer_outcome(approval, actor=user, now=clock.now())
        return gettext("The customer was told the decision.")

    return _run(request, f"/cases/{approval.ticket_id}/#approvals", Form({}), apply)


@require_POST
@staff_required
def end_conversation(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    ticket = _case(user, ticket_id)
    form = EndConversationForm(request.POST)

    def apply() -> str:
        actions.do_end_abusive_conversation(
            ticket, agent=user, reason=form.cleaned_data["reason"], now=clock.now()
        )
        return gettext(
            "Conversation ended: the customer got the standard notice and a lead will review "
            "the case. It does not count against you."
        )

    return _run(request, f"/cases/{ticket.pk}/#protection", form, apply)


@require_POST
@staff_required
def unflag(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_user(request)
    message = Message.objects.filter(pk=check_pk(message_id)).first()
    if message is None:
        raise Http404("No such message.")
    ticket = _case(user, message.ticket_id)
    message.ticket = ticket

    def apply() -> str:
        do_unflag_message(message, actor=user, now=clock.now())
        return gettext("Message unflagged; it now shows normally.")

    return _run(request, f"/cases/{ticket.pk}/#m{message.pk}", Form({}), apply)


@require_POST
@customer_required
def request_supervisor(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    ticket = _case(user, ticket_id)
    form = SupervisorForm(request.POST)

    def apply() -> str:
        result = actions.do_request_supervisor(
            ticket,
            customer_user=user,
            reason=form.cleaned_data["reason"],
            now=clock.now(),
            source=EscalationSource.CUSTOMER_PORTAL,
        )
        esc = result.escalation
        if not result.created:
            return gettext("Your case is already with a supervisor; we added your message.")
        if esc.due_at:
            return gettext(
                "A supervisor will look at your case. You will hear back by %(due)s."
            ) % {"due": when(esc.due_at)}
        return gettext("A supervisor will look at your case.")

    return _run(request, f"/portal/cases/{ticket.pk}/", form, apply)
