"""Who may use the agent workspace, and how domain errors become responses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts.models import User
from caredesk.core.errors import DomainError, NotFound

P = ParamSpec("P")
PORTAL_URL = "/portal/"
# Primary keys are 64-bit; anything longer cannot name a row (and must not reach the database).
MAX_PK = 2**63 - 1


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
        return view(request, *args, **kwargs)

    return wrapper


def check_pk(pk: int) -> int:
    if pk <= 0 or pk > MAX_PK:
        raise Http404("No such object.")
    return pk


def not_found(error: NotFound) -> Http404:
    return Http404(error.message)


def error_status(error: DomainError) -> int:
    """Form re-renders use 400 unless the error says otherwise (404 is raised, not rendered)."""
    return error.status if error.status in (400, 403, 409) else 400
