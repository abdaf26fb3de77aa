"""Who may use the staff pages: signed-in, active staff who passed their second factor.

Every staff page — the agent workspace, and the staff pages of the domain apps, the
reports and the phone channel — is wrapped in :func:`staff_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts import two_factor
from caredesk.accounts.models import User

P = ParamSpec("P")
PORTAL_URL = "/portal/"


def current_user(request: HttpRequest) -> User:
    return cast(User, request.user)


def login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect("/login/?" + urlencode({"next": request.get_full_path()}))


def needs_second_factor(request: HttpRequest) -> bool:
    """A signed-in user with a confirmed TOTP device whose session never passed the code."""
    user: Any = request.user
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    # Read with the user, in the same query, by accounts.backends.SignedInUserBackend.
    confirmed = getattr(user, "has_confirmed_totp", None)
    if confirmed is not None:
        return bool(confirmed)
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def staff_required(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed-in, active staff only. Customers go to the portal; others to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return login_redirect(request)
        staff = user
        if staff.is_customer:
            return HttpResponseRedirect(PORTAL_URL)
        if not staff.is_agent_staff or needs_second_factor(request):
            logout(request)
            return login_redirect(request)
        if two_factor.must_enrol(staff) and not getattr(view, "allowed_before_enrolment", False):
            return HttpResponseRedirect(two_factor.ENROL_URL)
        return view(request, *args, **kwargs)

    return wrapper
