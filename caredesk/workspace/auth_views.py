"""Staff sign-in (email + password, then a TOTP code when the user has set one up).

With the directory on (``CAREDESK_LDAP_URL``) the name and password are the directory's
first (``directory_sign_in``), under the same rate limit, throttle and two-factor step."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import is_ratelimited

from caredesk.accounts import directory, saml, sso, throttle, two_factor
from caredesk.accounts.backends import PATH as SIGNED_IN_BACKEND
from caredesk.accounts.guards import PORTAL_URL
from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.ratelimit import client_ip
from caredesk.workspace import directory_sign_in
from caredesk.workspace.forms import CodeForm, LoginForm

LOGIN_RATE = "10/m"
PENDING_KEY = "caredesk_pending_login"
PENDING_SECONDS = 300
# Staff sessions load the user with their TOTP state in one query (accounts/backends.py).
BACKEND = SIGNED_IN_BACKEND
TOO_MANY = _("Too many sign-in attempts. Please wait a minute and try again.")


def _client_address(request: HttpRequest) -> str:
    """The address the sign-in throttle counts: what the rate limits count, as an IP."""
    behind_proxy = getattr(settings, "RATELIMIT_IP_META_KEY", None) is not None
    raw = client_ip(request) if behind_proxy else str(request.META.get("REMOTE_ADDR", ""))
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 - an unknown client, counted together


def _wait_message(wait: Any) -> str:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"Too many wrong passwords for this account from here. Try again in {minutes} {unit}, "
        "or ask an admin to unlock your sign-in."
    )


def _passwords_off() -> str:
    config = sso.config()
    provider = config.provider_name if config else gettext("your identity provider")
    return gettext("Staff sign in with %(provider)s here: password sign-in is off for staff.") % {
        "provider": provider
    }


def _pending_key(group: str, request: HttpRequest) -> str:
    pending = request.session.get(PENDING_KEY) or {}
    return str(pending.get("uid", ""))


def _limited(request: HttpRequest, group: str, key: Any) -> bool:
    return bool(
        is_ratelimited(
            request, group=group, key=key, rate=LOGIN_RATE, method="POST", increment=True
        )
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return settings.LOGIN_REDIRECT_URL


def _saml_provider() -> str:
    saml_config = saml.config()
    return saml_config.provider_name if saml_config else ""


def _render_login(
    request: HttpRequest, form: LoginForm, *, error: str = "", portal: bool = False, status: int
) -> HttpResponse:
    config = sso.config()
    directory_on = directory.config() is not None
    context = {
        "form": form,
        "error": error,
        "portal_hint": portal,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "sso_provider": config.provider_name if config else "",
        "saml_provider": _saml_provider(),
        # The directory's password is the ordinary way in, even with staff passwords off.
        "passwords_on": sso.staff_passwords_on() or directory_on,
        "directory_on": directory_on,
    }
    return render(request, "workspace/login.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "GET":
        if user.is_authenticated and user.is_agent_staff:
            return HttpResponseRedirect(_safe_next(request, request.GET.get("next", "")))
        return _render_login(request, LoginForm(), status=200)
    form = LoginForm(request.POST)
    # One address guessing many accounts is held by the per-address rate; one address
    # guessing one account waits longer after each wrong password (accounts/throttle.py).
    # Neither holds up the account's owner signing in from another address.
    if _limited(request, "login-ip", "ip"):
        return _render_login(request, form, error=str(TOO_MANY), status=429)
    if not form.is_valid():
        return _render_login(
            request, form, error=gettext("Enter your email address and password."), status=400
        )
    email, ip, now = form.cleaned_data["email"], _client_address(request), clock.now()
    password = form.cleaned_data["password"]
    local_allowed = sso.staff_passwords_on() or sso.is_break_glass(email)
    if not local_allowed and directory.config() is None:
        # Refused before the password is checked: the answer tells nothing about it.
        return _render_login(request, form, error=_passwords_off(), status=403)
    wait = throttle.waiting(email, ip, now)
    if wait is not None:
        return _render_login(request, form, error=_wait_message(wait), status=429)
    # The directory's password (CAREDESK_LDAP_URL) first; it counts even with staff
    # passwords off. Then caredesk's own password, where allowed (docs/adr/0034).
    answer = directory_sign_in.attempt(email, password)
    if answer is not None and answer.refusal:
        throttle.record_success(email, ip)
        return _render_login(request, form, error=answer.refusal, status=403)
    found: Any = answer.user if answer is not None else None
    if found is None and local_allowed:
        found = authenticate(request, username=email, password=password)
    if found is None or not isinstance(found, User):
        unreachable = answer is not None and answer.unreachable
        if local_allowed or not unreachable:
            throttle.record_failure(email, ip, now)  # a password was checked, and wrong
        if unreachable:
            error = directory_sign_in.unreachable_message()
            return _render_login(request, form, error=error, status=503)
        return _render_login(
            request, form, error=gettext("Email or password is wrong."), status=400
        )
    throttle.record_success(email, ip)
    from_directory = answer is not None and answer.user is not None
    if found.is_customer:
        return _render_login(
            request,
            form,
            error=gettext(
                "This sign-in is for staff. Customers sign in through the customer portal."
            ),
            portal=True,
            status=400,
        )
    if not found.is_agent_staff:
        return _render_login(
            request, form, error=gettext("Email or password is wrong."), status=400
        )
    target = _safe_next(request, request.POST.get("next", ""))
    has_totp = TOTPDevice.objects.filter(user=found, confirmed=True).exists()
    emergency = not sso.staff_passwords_on() and not from_directory
    if emergency and not (found.role == "admin" and has_totp):
        # An emergency admin signs in with the password and the TOTP code, never less.
        return _render_login(
            request,
            form,
            error=gettext(
                "Emergency sign-in needs an admin account with two-factor sign-in set up."
            ),
            status=403,
        )
    if two_factor.must_enrol(found):
        target = two_factor.ENROL_URL
    if has_totp:
        request.session[PENDING_KEY] = {"uid": found.pk, "at": time.time(), "next": target}
        return HttpResponseRedirect("/login/verify/")
    login(request, found, backend=BACKEND)
    return HttpResponseRedirect(target)


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    uid = pending.get("uid")
    if not isinstance(uid, int):
        return None, ""
    user = User.objects.filter(pk=uid, is_active=True).first()
    if user is None or not user.is_agent_staff:
        return None, ""
    return user, str(pending.get("next") or settings.LOGIN_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def login_verify_view(request: HttpRequest) -> HttpResponse:
    """Second step: the code from the authenticator app."""
    user, target = _pending_user(request)
    if user is None:
        messages.info(request, gettext("Please sign in again."))
        return HttpResponseRedirect("/login/")
    if request.method == "GET":
        return render(request, "workspace/login_verify.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    if _limited(request, "login-otp-ip", "ip") | _limited(request, "login-otp-user", _pending_key):
        context = {"form": form, "error": TOO_MANY}
        return render(request, "workspace/login_verify.html", context, status=429)
    code = "".join(str(request.POST.get("code", "")).split())
    device: Any = None
    if form.is_valid() and code.isdigit():
        for candidate in TOTPDevice.objects.filter(user=user, confirmed=True):
            if candidate.verify_token(code):
                device = candidate
                break
    elif form.is_valid() and code.isalnum():
        # A recovery code (single use: django-otp deletes it once it matches).
        for static in StaticDevice.objects.filter(user=user, confirmed=True):
            if static.verify_token(code.lower()):
                device = static
                break
    if device is None:
        context = {"form": form, "error": gettext("That code did not match. Try the current code.")}
        return render(request, "workspace/login_verify.html", context, status=400)
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=BACKEND)
    django_otp.login(request, device)
    return HttpResponseRedirect(target)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_customer = bool(getattr(request.user, "is_customer", False))
    logout(request)
    if was_customer:
        return HttpResponseRedirect(PORTAL_URL)
    messages.success(request, gettext("You are signed out."))
    return HttpResponseRedirect("/login/")
