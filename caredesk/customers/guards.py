"""Who may use a customer page (the portal, and the customer pages of the domain apps):
signed-in customers. Staff get a note, strangers the sign-in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from caredesk.accounts.models import User
from caredesk.core import languages
from caredesk.customers.models import Customer

P = ParamSpec("P")
CustomerView = Callable[Concatenate[HttpRequest, Customer, P], HttpResponse]


def signed_in_user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def customer_of(user: User | None) -> Customer | None:
    if user is None or not user.is_customer:
        return None
    customer: Customer | None = getattr(user, "customer", None)
    return customer


def signin_redirect(request: HttpRequest) -> HttpResponseRedirect:
    url = reverse("portal:signin")
    if request.method == "GET" and request.path != reverse("portal:cases"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


def staff_note(request: HttpRequest, user: User) -> HttpResponse:
    return render(request, "portal/staff_note.html", {"staff_user": user})


def not_linked(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_linked.html", status=403)


def customer_required(view: CustomerView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Pass the signed-in customer to the view; everyone else is turned away kindly."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = signed_in_user(request)
        if user is None:
            return signin_redirect(request)
        if not user.is_customer:
            return staff_note(request, user)
        customer = customer_of(user)
        if customer is None:
            return not_linked(request)
        # The customer's saved language also on the apps' customer pages outside /portal/
        # (/offers/portal/..., /feedback/portal/...): their banners and refusals (issue #17).
        saved = languages.supported(customer.language)
        if not saved:
            return view(request, customer, *args, **kwargs)
        with translation.override(saved):
            return view(request, customer, *args, **kwargs)

    return wrapper


def portal_context(customer: Customer | None, **extra: Any) -> dict[str, Any]:
    return {"portal_customer": customer, **extra}
