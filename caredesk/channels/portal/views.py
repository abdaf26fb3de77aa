"""The customer's pages: their cases, a new case, one case with its whole history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.models import User
from caredesk.channels.portal.forms import MAX_SUBJECT, CaseForm, ReplyForm, incoming_files
from caredesk.channels.portal.selectors import (
    SCOPE_MINE,
    SCOPE_ORG,
    merged_into_visible,
    portal_cases,
    portal_timeline,
    shares_org_cases,
    status_label,
)
from caredesk.channels.portal.views_help import suggestions_for
from caredesk.channels.portal.views_signin import signin
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import MAX_PK
from caredesk.customers.guards import customer_of, customer_required, portal_context, signed_in_user
from caredesk.customers.models import Customer
from caredesk.customfields.actions import do_open_ticket_with_fields
from caredesk.customfields.forms import posted, rows
from caredesk.customfields.selectors import public_definitions
from caredesk.feedback.selectors import open_survey
from caredesk.kb import actions as kb_actions
from caredesk.kb import search
from caredesk.kb.search import Hit
from caredesk.resolutions.selectors import open_question
from caredesk.selfservice.selectors import case_prefill
from caredesk.tickets.access import access_ticket
from caredesk.tickets.actions import (
    do_add_customer_message,
    do_change_status,
    do_write_after_close,
)
from caredesk.tickets.merge import do_write_on_merged
from caredesk.tickets.models import Channel, Status, Ticket, parse_reference

PER_PAGE = 20
REFILE_NOTE = gettext_lazy("Your text is kept below; please choose your files again.")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return access_ticket(_user(request), ticket_id)
    except NotFound:
        raise Http404("No such case.") from None


def home(request: HttpRequest) -> HttpResponse:
    """/portal/: the sign-in page, or the case list for a signed-in customer."""
    return signin(request)


@require_GET
@customer_required
def case_list(request: HttpRequest, customer: Customer) -> HttpResponse:
    shared = shares_org_cases(customer)
    scope = SCOPE_ORG if shared and request.GET.get("scope") == SCOPE_ORG else SCOPE_MINE
    page = Paginator(portal_cases(_user(request), customer, scope), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/cases.html",
        portal_context(
            customer, nav="cases", page=page, scope=scope, shared=shared, SCOPE_ORG=SCOPE_ORG
        ),
    )


def _prefill(request: HttpRequest) -> dict[str, str]:
    """``?about=CD-1042`` prefills a follow-up to one of the customer's own cases;
    ``?selfservice=<type>&record=<id>`` a case about a self-service request the portal
    refused ("talk to someone")."""
    if request.GET.get("selfservice"):
        return _selfservice_prefill(request)
    pk = parse_reference(str(request.GET.get("about", ""))[:30])
    if pk is None:
        return {}
    try:
        ticket = access_ticket(_user(request), pk)
    except NotFound:
        return {}
    words = {"reference": ticket.reference, "subject": ticket.subject}
    subject = (_("Follow-up to %(reference)s: %(subject)s") % words)[:MAX_SUBJECT]
    return {
        "subject": subject,
        "body": _("This follows up on case %(reference)s.") % words + "\n\n",
    }


def _small_id(raw: object) -> int | None:
    text = str(raw or "")[:20]
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_PK else None


def _selfservice_prefill(request: HttpRequest) -> dict[str, str]:
    customer = customer_of(signed_in_user(request))
    type_id = _small_id(request.GET.get("selfservice"))
    if customer is None or type_id is None:
        return {}
    record_id, line_id = _small_id(request.GET.get("record")), _small_id(request.GET.get("line"))
    return case_prefill(customer, type_id, record_id, line_id, clock.now())


@require_http_methods(["GET", "POST"])
@customer_required
def new_case(request: HttpRequest, customer: Customer) -> HttpResponse:
    status = 200
    token = str(request.POST.get("deflection", ""))
    if not kb_actions.valid_token(token):
        token = kb_actions.new_token()
    hits: list[Hit] = []
    # The public case fields (docs/custom-fields.md), checked with the case.
    field_defs = public_definitions()
    typed: dict[str, Any] | None = None
    if request.method == "POST" and "suggest" in request.POST:
        # Without scripts: "Find answers" shows the suggestions, the form keeps its text.
        form = CaseForm(initial={k: request.POST.get(k, "") for k in ("subject", "body")})
        typed = posted(field_defs, request.POST)
        subject = search.clean_query(str(request.POST.get("subject", "")))
        hits = suggestions_for(customer, subject, token) if len(subject) >= 3 else []
    elif request.method == "POST":
        form = CaseForm(request.POST)
        uploads = request.FILES.getlist("attachments")
        typed = posted(field_defs, request.POST)
        if form.is_valid():
            try:
                ticket = do_open_ticket_with_fields(
                    fields={k: v for k, v in typed.items() if v not in (None, "", [])},
                    customer=customer,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    channel=Channel.PORTAL,
                    now=clock.now(),
                    actor=_user(request),
                    files=incoming_files(uploads),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                kb_actions.do_record_case_opened(
                    token=token, customer=customer, ticket=ticket, now=clock.now()
                )
                messages.success(
                    request,
                    _("Your case %(reference)s is open. We will email you when we reply.")
                    % {"reference": ticket.reference},
                )
                return redirect("portal:case", ticket_id=ticket.pk)
        if uploads:
            form.add_error(None, str(REFILE_NOTE))
        status = 400
    else:
        form = CaseForm(initial=_prefill(request))
    limits = {
        "max_files": settings.CAREDESK_MAX_ATTACHMENTS,
        "max_mb": settings.CAREDESK_MAX_ATTACHMENT_BYTES // 1048576,
    }
    return render(
        request,
        "portal/new_case.html",
        portal_context(
            customer,
            nav="new",
            form=form,
            deflection=token,
            hits=hits,
            suggested=bool(hits) or "suggest" in request.POST,
            field_rows=rows(field_defs, {}, typed),
            **limits,
        ),
        status=status,
    )


def _case_page(
    request: HttpRequest,
    customer: Customer,
    ticket: Ticket,
    form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "ticket": ticket,
        "status_text": status_label(ticket.status),
        "timeline": portal_timeline(ticket),
        "form": form or ReplyForm(),
        "is_closed": ticket.status == Status.CLOSED,
        "can_resolve": ticket.is_open,
        "can_reopen": ticket.status == Status.RESOLVED,
        "is_mine": ticket.customer_id == customer.pk,
        "solved_question": open_question(ticket),
        "merged_into": merged_into_visible(_user(request), ticket),
        "csat_survey": open_survey(ticket, clock.now()) if ticket.status == Status.CLOSED else None,
    }
    return render(request, "portal/case.html", portal_context(customer, **context), status=status)


@require_GET
@customer_required
def case_detail(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    return _case_page(request, customer, _ticket(request, ticket_id))


@require_POST
@customer_required
def case_reply(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    form = ReplyForm(request.POST)
    uploads = request.FILES.getlist("attachments")
    if form.is_valid() and ticket.status == Status.CLOSED:
        return _follow_up(request, customer, ticket, form, uploads)
    if form.is_valid():
        write = do_write_on_merged if ticket.status == Status.MERGED else do_add_customer_message
        try:
            write(
                ticket,
                customer=customer,
                body=form.cleaned_data["body"],
                channel=Channel.PORTAL,
                now=clock.now(),
                actor=_user(request),
                files=incoming_files(uploads),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            if uploads:
                form.add_error(None, str(REFILE_NOTE))
            ticket.refresh_from_db()
            return _case_page(request, customer, ticket, form, status=exc.status)
        messages.success(request, _("Your reply was sent."))
        return redirect("portal:case", ticket_id=ticket.pk)
    return _case_page(request, customer, ticket, form, status=400)


def _follow_up(
    request: HttpRequest,
    customer: Customer,
    ticket: Ticket,
    form: ReplyForm,
    uploads: list[Any],
) -> HttpResponse:
    """A reply to a closed case opens a follow-up case linked to it."""
    try:
        new = do_write_after_close(
            ticket,
            customer=customer,
            body=form.cleaned_data["body"],
            channel=Channel.PORTAL,
            now=clock.now(),
            actor=_user(request),
            files=incoming_files(uploads),
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        if uploads:
            form.add_error(None, str(REFILE_NOTE))
        return _case_page(request, customer, ticket, form, status=exc.status)
    messages.success(
        request,
        _(
            "%(closed)s is closed, so your message went to its follow-up case %(new)s."
            " We will email you when we reply."
        )
        % {"closed": ticket.reference, "new": new.reference},
    )
    return redirect("portal:case", ticket_id=new.pk)


STATUS_ACTIONS = {
    "resolve": (
        Status.RESOLVED,
        gettext_lazy("Marked as resolved. Thank you for letting us know."),
    ),
    "reopen": (Status.WAITING_US, gettext_lazy("Case reopened. We will get back to you.")),
}


@require_POST
@customer_required
def case_status(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    choice = STATUS_ACTIONS.get(str(request.POST.get("action", "")))
    if choice is None:
        messages.error(request, _("Unknown action."))
        return redirect("portal:case", ticket_id=ticket.pk)
    new_status, done = choice
    try:
        do_change_status(ticket, actor=_user(request), status=new_status, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("portal:case", ticket_id=ticket.pk)
