"""The approver's pages: inbox, decision pages, delegations, the approvals report."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.core.http import check_pk
from caredesk.enrichment.actions import do_review_customer_attention
from caredesk.enrichment.models import CustomerAttention
from caredesk.enrichment.selectors import customers_needing_attention
from caredesk.escalations import actions, selectors
from caredesk.escalations.forms import AnswerForm, DecisionForm, DelegationForm


def _status(exc: DomainError) -> int:
    return exc.status if exc.status in (400, 403, 409) else 400


@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    now = clock.now()
    desk_approvals, desk_escalations = selectors.desk_overview(user)
    context = {
        "nav": "escalations",
        "approvals": selectors.approvals_waiting_for(user, now),
        "escalations": selectors.escalations_owned_by(user, now),
        "my_requests": selectors.my_requests(user),
        "desk_approvals": desk_approvals,
        "desk_escalations": desk_escalations,
        "protected": selectors.protected_awaiting_review(user),
        "attention": list(customers_needing_attention(user)[:50])
        if selectors.is_approver(user)
        else [],
        "is_approver": selectors.is_approver(user),
    }
    return render(request, "escalations/inbox.html", context)


@require_GET
@staff_required
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _approval_page(request, pk, DecisionForm())


def _approval_page(
    request: HttpRequest, pk: int, form: DecisionForm, status: int = 200, error: str = ""
) -> HttpResponse:
    user = current_user(request)
    approval = selectors.find_approval(user, check_pk(pk))
    if approval is None:
        raise Http404("No such approval request.")
    context = {
        "nav": "escalations",
        "approval": approval,
        "ticket": approval.ticket,
        "form": form,
        "error": error,
        "can_decide": actions.can_decide(user, approval, clock.now()),
    }
    return render(request, "escalations/approval.html", context, status=status)


@require_POST
@staff_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    approval = selectors.find_approval(user, check_pk(pk))
    if approval is None:
        raise Http404("No such approval request.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _approval_page(request, pk, form, status=400, error="Please choose a decision.")
    try:
        actions.do_decide_approval(
            approval,
            actor=user,
            decision=form.cleaned_data["decision"],
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            now=clock.now(),
        )
    except DomainError as exc:
        return _approval_page(request, pk, form, status=_status(exc), error=exc.message)
    messages.success(request, gettext("Decision saved; the agent has been told."))
    return HttpResponseRedirect(f"/escalations/approvals/{approval.pk}/")


@require_GET
@staff_required
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _escalation_page(request, pk, AnswerForm())


def _escalation_page(
    request: HttpRequest, pk: int, form: AnswerForm, status: int = 200, error: str = ""
) -> HttpResponse:
    user = current_user(request)
    escalation = selectors.find_escalation(user, check_pk(pk))
    if escalation is None:
        raise Http404("No such escalation.")
    context = {
        "nav": "escalations",
        "escalation": escalation,
        "ticket": escalation.ticket,
        "members": selectors.group_members(escalation, user),
        "form": form,
        "error": error,
        "can_answer": actions.can_answer(user, escalation, clock.now()),
    }
    return render(request, "escalations/escalation.html", context, status=status)


@require_POST
@staff_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    escalation = selectors.find_escalation(user, check_pk(pk))
    if escalation is None:
        raise Http404("No such escalation.")
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _escalation_page(request, pk, form, status=400, error="Write your answer.")
    try:
        actions.do_resolve_escalation(
            escalation, actor=user, resolution=form.cleaned_data["resolution"], now=clock.now()
        )
    except DomainError as exc:
        return _escalation_page(request, pk, form, status=_status(exc), error=exc.message)
    messages.success(request, gettext("Escalation answered."))
    return HttpResponseRedirect(f"/escalations/{escalation.pk}/")


@require_http_methods(["GET", "POST"])
@staff_required
def delegations(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    people = selectors.delegate_choices(user)
    form = DelegationForm(request.POST or None, people=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                tz = timezone.get_current_timezone()
                starts = form.cleaned_data["starts_at"]
                ends = form.cleaned_data["ends_at"]
                actions.do_delegate(
                    delegator=user,
                    delegate=form.chosen(),
                    starts_at=starts if starts.tzinfo else starts.replace(tzinfo=tz),
                    ends_at=ends if ends.tzinfo else ends.replace(tzinfo=tz),
                    note=form.cleaned_data["note"],
                    now=clock.now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = _status(exc)
            else:
                messages.success(request, gettext("Delegation saved."))
                return HttpResponseRedirect("/escalations/delegations/")
        else:
            status = 400
    context = {
        "nav": "escalations",
        "form": form,
        "rows": selectors.delegations_of(user),
        "can_delegate": selectors.is_approver(user),
        "now": clock.now(),
    }
    return render(request, "escalations/delegations.html", context, status=status)


@require_POST
@staff_required
def cancel_delegation(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        actions.do_cancel_delegation(actor=user, delegation_id=check_pk(pk), now=clock.now())
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Delegation cancelled."))
    return HttpResponseRedirect("/escalations/delegations/")


@require_GET
@staff_required
def approvals_report(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not selectors.is_approver(user):
        raise Http404("Leads, managers and admins see this report.")
    vip_only = request.GET.get("vip") == "1"
    rows, listing = selectors.approvals_report(user, vip_only=vip_only)
    page = Paginator(listing, selectors.REPORT_PAGE).get_page(request.GET.get("page"))
    context = {"nav": "escalations", "rows": rows, "page": page, "vip_only": vip_only}
    return render(request, "escalations/report.html", context)


@require_POST
@staff_required
def review_attention(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    mark = customers_needing_attention(user).filter(pk=check_pk(pk)).first()
    if mark is None or not isinstance(mark, CustomerAttention):
        raise Http404("Nothing to review.")
    try:
        do_review_customer_attention(
            mark, actor=user, note=str(request.POST.get("note", ""))[:2000], now=clock.now()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, gettext("Marked %(name)s as reviewed.") % {"name": mark.customer.name}
        )
    return HttpResponseRedirect("/escalations/")
