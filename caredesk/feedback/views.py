"""Feedback pages: the agent record, complaint reviews, and the forms that leave feedback
(managers in the workspace, customers in the portal or through a signed survey link)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import User
from caredesk.accounts.selectors import assignable_staff
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk
from caredesk.customers.guards import customer_required, portal_context
from caredesk.customers.models import Customer
from caredesk.feedback import actions, selectors
from caredesk.feedback.forms import FeedbackForm, ReviewForm
from caredesk.feedback.models import Feedback, FeedbackSource
from caredesk.feedback.survey import read_token
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Ticket


def _ticket(user: User, pk: int) -> Ticket:
    try:
        return access_ticket(user, check_pk(pk))
    except NotFound:
        raise Http404(gettext("No such case.")) from None


@require_GET
@staff_required
def agent_record(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = current_user(request)
    agent = User.objects.filter(pk=check_pk(pk)).first()
    if agent is None or not selectors.may_see_record(viewer, agent):
        raise Http404(gettext("No such agent."))
    record = selectors.agent_record(agent)
    return render(request, "feedback/agent_record.html", {"record": record, "nav": "feedback"})


@require_GET
@staff_required
def reviews(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "feedback/reviews.html",
        {"complaints": selectors.complaints_to_review(user), "nav": "feedback"},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    row = (
        Feedback.objects.select_related("ticket", "agent", "reviewer", "reviewed_by")
        .filter(pk=check_pk(pk))
        .first()
    )
    visible = row is not None and (
        actions.can_review(user, row) or row.agent_id == user.pk or user.sees_all_cases
    )
    if row is None or not visible:
        raise Http404(gettext("No such complaint."))
    if row.agent_id != user.pk:
        _ticket(user, row.ticket_id)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_review_complaint(
                    row,
                    reviewer=user,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    now=clock.now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status if exc.status in (400, 403, 409) else 400
            else:
                messages.success(request, gettext("Review saved; the agent has been told."))
                return HttpResponseRedirect(f"/feedback/complaints/{row.pk}/")
        else:
            status = 400
    context = {
        "feedback": row,
        "form": form,
        "can_review": actions.can_review(user, row) and row.outcome == "pending",
        "nav": "feedback",
    }
    return render(request, "feedback/complaint.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def manager_feedback(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    ticket = _ticket(user, ticket_id)
    if not user.sees_all_cases:
        raise Http404(gettext("Managers and admins leave feedback here."))
    agents = [a for a in assignable_staff() if a.pk != user.pk]
    form = FeedbackForm(request.POST or None, agents=agents, initial={"agent": ticket.assignee_id})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_leave_feedback(
                    ticket,
                    agent=form.chosen_agent(),
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                    source=FeedbackSource.MANAGER,
                    author_user=user,
                    now=clock.now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status if exc.status in (400, 403, 409) else 400
            else:
                messages.success(request, gettext("Feedback saved."))
                return HttpResponseRedirect(f"/cases/{ticket.pk}/")
        else:
            status = 400
    return render(
        request,
        "feedback/manager_form.html",
        {"ticket": ticket, "form": form, "nav": "feedback"},
        status=status,
    )


def _customer_form(
    request: HttpRequest,
    ticket: Ticket,
    customer: Customer,
    source: str,
    template: str,
    done_url: str,
) -> HttpResponse:
    agents = actions.agents_on_case(ticket)
    form = FeedbackForm(request.POST or None, agents=agents, initial={"agent": ticket.assignee_id})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_leave_feedback(
                    ticket,
                    agent=form.chosen_agent(),
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                    source=source,
                    author_customer=customer,
                    now=clock.now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status if exc.status in (400, 403, 409) else 400
            else:
                messages.success(request, gettext("Thank you, your feedback was sent."))
                return HttpResponseRedirect(done_url)
        else:
            status = 400
    context = portal_context(customer, ticket=ticket, form=form, agents=agents)
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@customer_required
def portal_feedback(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    ticket = _ticket(user, ticket_id)
    if ticket.customer_id != customer.pk:
        raise Http404(gettext("No such case."))
    return _customer_form(
        request,
        ticket,
        customer,
        FeedbackSource.PORTAL,
        "feedback/portal_form.html",
        f"/portal/cases/{ticket.pk}/",
    )


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = read_token(token)
    ticket = (
        Ticket.objects.select_related("customer").filter(pk=found[0], customer_id=found[1]).first()
        if found
        else None
    )
    if ticket is None:
        return render(request, "feedback/survey_invalid.html", status=404)
    return _customer_form(
        request,
        ticket,
        ticket.customer,
        FeedbackSource.SURVEY,
        "feedback/survey_form.html",
        f"/feedback/survey/{token}/thanks/",
    )


@require_GET
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    if read_token(token) is None:
        return render(request, "feedback/survey_invalid.html", status=404)
    return render(request, "feedback/survey_thanks.html")
