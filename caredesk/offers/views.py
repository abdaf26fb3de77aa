"""Offer pages: make an offer from the case page, record the customer's answer, the
customer's answer in the portal, and the report. Thin: every change is an action, and
every offer shown or made has passed the lock."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Role
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk, error_status
from caredesk.customers.guards import customer_required
from caredesk.customers.models import Customer
from caredesk.offers import actions
from caredesk.offers.forms import OfferChoiceForm
from caredesk.offers.models import Offer, OfferMade, Surface
from caredesk.offers.report import offer_report
from caredesk.tickets.access import access_ticket, visible_tickets
from caredesk.tickets.models import Ticket

PORTAL_HOME = "/portal/cases/"
REPORT_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)


def _case(request: HttpRequest, pk: int) -> Ticket:
    try:
        return access_ticket(current_user(request), check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None


def _refused(request: HttpRequest, error: DomainError, back: str, *, staff: bool) -> HttpResponse:
    return render(
        request,
        "offers/refused_staff.html" if staff else "offers/refused_portal.html",
        {"error": error.message, "back": back, "nav": "case"},
        status=error_status(error),
    )


def _offer(form: OfferChoiceForm) -> Offer:
    if not form.is_valid():
        raise DomainError(gettext("Choose one of the offers shown."), code="invalid")
    offer = Offer.objects.filter(pk=form.cleaned_data["offer"]).first()
    if offer is None:
        raise DomainError(gettext("That offer does not exist (any more)."), code="unknown_offer")
    return offer


@require_POST
@staff_required
def make(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _case(request, pk)
    back = f"/cases/{ticket.pk}/#offers"
    try:
        offer = _offer(OfferChoiceForm(request.POST))
        actions.do_make_offer(
            offer,
            ticket.customer,
            actor=current_user(request),
            surface=Surface.WORKSPACE,
            ticket=ticket,
            now=clock.now(),
        )
    except DomainError as error:
        return _refused(request, error, back, staff=True)
    messages.success(
        request,
        gettext("Offered %(offer)s to %(customer)s.")
        % {"offer": offer.name, "customer": ticket.customer.name},
    )
    return HttpResponseRedirect(back)


def _made_for_staff(request: HttpRequest, pk: int) -> OfferMade:
    made = OfferMade.objects.select_related("customer", "offer").filter(pk=check_pk(pk)).first()
    user = current_user(request)
    if made is None or not (
        user.sees_all_cases or visible_tickets(user).filter(customer_id=made.customer_id).exists()
    ):
        raise Http404("No such offer.")
    return made


def _answer_by_staff(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    made = _made_for_staff(request, pk)
    back = f"/cases/{made.ticket_id}/#offers" if made.ticket_id else "/"
    user = current_user(request)
    try:
        if accept:
            actions.do_accept_offer(made, actor=user, now=clock.now())
        else:
            actions.do_decline_offer(made, actor=user, now=clock.now())
    except DomainError as error:
        return _refused(request, error, back, staff=True)
    text = (
        gettext("Recorded: %(customer)s accepted %(offer)s.")
        if accept
        else gettext("Recorded: %(customer)s declined %(offer)s.")
    )
    messages.success(request, text % {"customer": made.customer.name, "offer": made.offer.name})
    return HttpResponseRedirect(back)


@require_POST
@staff_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer_by_staff(request, pk, accept=True)


@require_POST
@staff_required
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer_by_staff(request, pk, accept=False)


def _portal_answer(request: HttpRequest, customer: Customer, *, accept: bool) -> HttpResponse:
    try:
        offer = _offer(OfferChoiceForm(request.POST))
        actions.do_answer_offer(
            offer,
            customer,
            accept=accept,
            actor=current_user(request),
            surface=Surface.PORTAL,
            now=clock.now(),
        )
    except DomainError as error:
        return _refused(request, error, PORTAL_HOME, staff=False)
    if accept:
        text = gettext("Thank you: %(offer)s is yours.") % {"offer": offer.name}
        if offer.code:
            text += " " + gettext("Your code: %(code)s.") % {"code": offer.code}
    else:
        text = gettext("No problem: we will not show you this offer again.")
    messages.success(request, text)
    return HttpResponseRedirect(PORTAL_HOME)


@require_POST
@customer_required
def portal_accept(request: HttpRequest, customer: Customer) -> HttpResponse:
    return _portal_answer(request, customer, accept=True)


@require_POST
@customer_required
def portal_decline(request: HttpRequest, customer: Customer) -> HttpResponse:
    return _portal_answer(request, customer, accept=False)


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
    if user.role not in REPORT_ROLES:
        return render(
            request,
            "offers/refused_staff.html",
            {"error": "The offers report is for leads, managers and admins.", "back": "/"},
            status=403,
        )
    now = clock.now()
    since = _day(request.GET.get("start"), now - timedelta(days=30))
    until = _day(request.GET.get("end"), now) + (
        timedelta(days=1) if request.GET.get("end") else timedelta(0)
    )
    error = ""
    rows = []
    if until <= since:
        error = "The period must end after it starts."
    else:
        rows = offer_report(since, until)
    return render(
        request,
        "offers/report.html",
        {"nav": "reports", "rows": rows, "since": since, "until": until, "error": error},
        status=400 if error else 200,
    )
