"""Sign-in by emailed one-time link, and sign-out. No passwords in the portal."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from caredesk.accounts.models import User
from caredesk.channels.portal.actions import (
    LinkError,
    do_consume_magic_link,
    do_request_magic_link,
    link_state,
    normalize_email,
)
from caredesk.channels.portal.forms import SignInForm
from caredesk.channels.portal.language import SESSION_KEY
from caredesk.core import clock, languages
from caredesk.core.errors import DomainError
from caredesk.customers.actions import do_set_customer_language
from caredesk.customers.guards import (
    customer_of,
    not_linked,
    portal_context,
    signed_in_user,
    staff_note,
)


def safe_next(request: HttpRequest, value: str | None) -> str:
    """A local /portal/ path to return to after sign-in, or ""."""
    value = (value or "").strip()
    if (
        value.startswith("/portal/")
        and len(value) <= 500
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return ""


# Requests for a link: per address and per client. Consuming: per client.
RATE_PER_EMAIL = "5/15m"
RATE_PER_IP = "20/h"
RATE_CONSUME_PER_IP = "60/h"
RATE_MESSAGE = gettext_lazy(
    "Too many sign-in links were requested. Please wait 15 minutes, then try again "
    "(and check your spam folder for a link we already sent)."
)
NEXT_KEY = "portal_next"


def client_ip(request: HttpRequest) -> str | None:
    raw = str(request.META.get("REMOTE_ADDR") or "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _limited(request: HttpRequest, group: str, rate: str, value: str | None = None) -> bool:
    key = _ip_key if value is None else (lambda group, request: value)
    return bool(is_ratelimited(request, group=group, key=key, rate=rate, increment=True))


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user is not None:
        if not user.is_customer:
            return staff_note(request, user)
        if customer_of(user) is None:
            return not_linked(request)
        return redirect("portal:cases")
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    status = 200
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            address = normalize_email(form.cleaned_data["email"])
        except DomainError as exc:
            form.add_error("email", exc.message)
            status = 400
        else:
            if _limited(request, "portal-link-ip", RATE_PER_IP) or _limited(
                request, "portal-link-email", RATE_PER_EMAIL, address
            ):
                form.add_error(None, str(RATE_MESSAGE))
                status = 429
            else:
                do_request_magic_link(
                    address, clock.now(), client_ip(request), language=get_language()
                )
                if next_url:
                    request.session[NEXT_KEY] = next_url
                return redirect("portal:signin_sent")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "portal/signin.html",
        portal_context(None, form=form, next_url=next_url),
        status=status,
    )


@require_GET
def signin_sent(request: HttpRequest) -> HttpResponse:
    console = settings.DEBUG and settings.EMAIL_BACKEND.endswith("console.EmailBackend")
    return render(
        request,
        "portal/signin_sent.html",
        portal_context(None, minutes=settings.CAREDESK_MAGIC_LINK_MINUTES, console_mail=console),
    )


LINK_STATUS = {"ok": 200, "invalid_link": 404, "link_used": 410, "link_expired": 410}


@never_cache
@require_http_methods(["GET", "POST"])
def auth(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button (mail scanners follow links); the POST uses the link."""
    now = clock.now()
    if request.method == "POST":
        if _limited(request, "portal-consume-ip", RATE_CONSUME_PER_IP):
            return _link_page(request, "rate_limited", str(RATE_MESSAGE), status=429)
        try:
            user = do_consume_magic_link(token, now)
        except LinkError as exc:
            return _link_page(request, exc.code, exc.message)
        next_url = safe_next(request, request.session.get(NEXT_KEY))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session.pop(NEXT_KEY, None)
        _remember_language(request, user, now)
        return redirect(next_url or "portal:cases")
    state = link_state(token, now)
    codes = {"ok": "ok", "used": "link_used", "expired": "link_expired", "invalid": "invalid_link"}
    return _link_page(request, codes[state], "")


def _remember_language(request: HttpRequest, user: User, now: datetime) -> None:
    """At the first sign-in the customer's language becomes the one they chose in the
    switcher, else their browser's (Accept-Language); a saved language is kept."""
    customer = customer_of(user)
    if customer is None or customer.language:
        return
    chosen = languages.supported(request.session.get(SESSION_KEY, ""))
    browser = languages.from_accept_language(request.headers.get("Accept-Language", ""))
    if chosen or browser:
        do_set_customer_language(
            customer,
            actor=None,
            language=chosen or browser,
            now=now,
            how="switcher" if chosen else "browser",
        )


def _link_page(request: HttpRequest, code: str, message: str, status: int = 0) -> HttpResponse:
    return render(
        request,
        "portal/auth.html",
        portal_context(None, code=code, message=message),
        status=status or LINK_STATUS.get(code, 400),
    )


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    # The portal keeps speaking the customer's language after they sign out.
    customer = customer_of(signed_in_user(request))
    keep = (customer.language if customer else "") or request.session.get(SESSION_KEY, "")
    logout(request)
    if keep:
        request.session[SESSION_KEY] = keep
    messages.info(request, gettext("You are signed out."))
    return redirect("portal:signin")
