"""Self-service in the portal (P15): pick the record, confirm, done — no case, no agent.

Thin: every change is :func:`caredesk.selfservice.actions.do_request_self_service` (or
the offers app's answer, for the one retention offer a cancel page may show through the
P4 lock). A refusal re-renders the page with the reason; an ineligible request offers a
case prefilled with what the portal said.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.errors import DomainError, InvalidInput, NotFound
from caredesk.core.http import MAX_PK, check_pk
from caredesk.customers.guards import customer_required, portal_context
from caredesk.customers.models import Customer
from caredesk.offers import actions as offer_actions
from caredesk.offers.models import Offer
from caredesk.selfservice import actions, selectors
from caredesk.selfservice.models import FIELD_LABELS, RequestType

MAX_SHOWN = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _pk(raw: Any) -> int | None:
    """An id from a form field: None when absent; a :class:`NotFound` when it cannot be one."""
    text = str(raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 19 or not 0 < int(text) <= MAX_PK:
        raise NotFound("No such record of yours.", code="unknown_record")
    return int(text)


def _type(type_id: int) -> RequestType:
    try:
        return selectors.active_type(check_pk(type_id))
    except NotFound:
        raise Http404("No such self-service request.") from None


@require_GET
@customer_required
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "portal/selfservice.html",
        portal_context(
            customer,
            nav="selfservice",
            types=selectors.active_types(),
            requests=list(selectors.requests_of(customer)[:MAX_SHOWN]),
        ),
    )


def _talk_url(rt: RequestType, record_id: int | None, line_id: int | None) -> str:
    query = {"selfservice": rt.pk, "record": record_id or "", "line": line_id or ""}
    return reverse("portal:new_case") + "?" + urlencode(query)


def _page(
    request: HttpRequest,
    customer: Customer,
    rt: RequestType,
    *,
    status: int = 200,
    error: str = "",
    field_errors: dict[str, str] | None = None,
    talk_url: str = "",
) -> HttpResponse:
    now = clock.now()
    records = selectors.records_for(rt, customer)
    chosen = str(request.POST.get("record") or request.GET.get("record") or "")
    if not chosen and len(records) == 1:
        chosen = str(records[0].pk)
    values = {k: str(request.POST.get(k, ""))[:600] for k in [*rt.fields, "note"]}
    return render(
        request,
        "portal/selfservice_request.html",
        portal_context(
            customer,
            nav="selfservice",
            rt=rt,
            records=records,
            chosen=chosen,
            chosen_item=str(request.POST.get("item") or "")[:40],
            items=[
                (f"{r.pk}:{line.pk}", r.label, f"{line.quantity} \u00d7 {line.product}")
                for r in records
                for line in r.lines.all()
            ]
            if rt.needs_line
            else [],
            fields=[(k, FIELD_LABELS[k], required, values[k]) for k, required in rt.fields.items()],
            note=values["note"],
            offer=selectors.retention_offer(rt, customer, now),
            error=error,
            field_errors=field_errors or {},
            talk_url=talk_url,
        ),
        status=status,
    )


def _shown_offer(request: HttpRequest, rt: RequestType, customer: Customer) -> Offer | None:
    """The retention offer the page showed, if the form names it (a forged id is ignored:
    only the offer the lock lets this page show counts)."""
    shown = selectors.retention_offer(rt, customer, clock.now())
    raw = str(request.POST.get("offer") or "")
    return shown if shown is not None and raw == str(shown.pk) else None


@require_http_methods(["GET", "POST"])
@customer_required
def request_page(request: HttpRequest, customer: Customer, type_id: int) -> HttpResponse:
    rt = _type(type_id)
    if request.method == "GET":
        return _page(request, customer, rt)
    user = _user(request)
    offer = _shown_offer(request, rt, customer)
    if request.POST.get("answer") == "keep" and offer is not None:
        try:
            made = offer_actions.do_answer_offer(
                offer, customer, accept=True, actor=user, surface="portal", now=clock.now()
            )
        except DomainError as error:
            return _page(request, customer, rt, status=409, error=error.message)
        code = f" Your code: {made.offer.code}." if made.offer.code else ""
        messages.success(request, f"You took the offer: {made.offer.text}{code}")
        return redirect("portal:selfservice")
    record_id = line_id = None
    try:
        if rt.needs_line:  # one radio per order line: "record:line"
            raw_record, _, raw_line = str(request.POST.get("item") or "").partition(":")
            record_id, line_id = _pk(raw_record), _pk(raw_line)
        else:
            record_id = _pk(request.POST.get("record"))
        done = actions.do_request_self_service(
            rt,
            customer,
            actor=user,
            now=clock.now(),
            record_id=record_id,
            line_id=line_id,
            details={k: request.POST.get(k, "") for k in [*rt.fields, "note"]},
            surface="portal",
            declined_offer=offer,
        )
    except InvalidInput as error:
        name = error.field.removeprefix("details.").removesuffix("_id")
        return _page(request, customer, rt, status=400, field_errors={name: error.message})
    except NotFound as error:
        return _page(request, customer, rt, status=404, error=error.message)
    except DomainError as error:
        talk = _talk_url(rt, record_id, line_id) if error.code == "not_eligible" else ""
        status = error.status if error.status in (400, 403, 409) else 400
        return _page(request, customer, rt, status=status, error=error.message, talk_url=talk)
    if done.created:
        messages.success(
            request,
            gettext("We have your request: %(name)s. We sent you a confirmation by mail.")
            % {"name": rt.name},
        )
    else:
        messages.info(request, gettext("You asked for this already; here it is."))
    return redirect("portal:selfservice_status", request_id=done.request.pk)


@require_GET
@customer_required
def status_page(request: HttpRequest, customer: Customer, request_id: int) -> HttpResponse:
    try:
        req = selectors.request_of(customer, check_pk(request_id))
    except NotFound:
        raise Http404("No such self-service request.") from None
    return render(
        request,
        "portal/selfservice_status.html",
        portal_context(customer, nav="selfservice", req=req),
    )
