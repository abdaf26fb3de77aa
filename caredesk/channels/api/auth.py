"""Bearer-token authentication and the per-token rate limit.

Only the ``Authorization: Bearer cd_<prefix>_<secret>`` header authenticates; session
cookies are ignored, so no CSRF token is needed and a browser session cannot be
borrowed by another site.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from caredesk.accounts import two_factor
from caredesk.accounts.actions import authenticate_token
from caredesk.accounts.models import ROLE_LEVEL, ApiToken, Role, User
from caredesk.channels.api.errors import RateLimited
from caredesk.core import clock
from caredesk.core.errors import PermissionDenied
from caredesk.customers.models import Customer

DEFAULT_RATE = "600/m"
# Failed attempts from one address: generous, but stops a flood of bad tokens.
DEFAULT_FAILED_RATE = "120/m"


def _token_key(group: str, request: HttpRequest) -> str:
    token = cast(ApiToken, request.auth)  # type: ignore[attr-defined]
    return f"token:{token.prefix}"


def _check_rate(request: HttpRequest, *, key: Any, rate: str, group: str) -> None:
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(max(1, int(usage["time_left"])))


class BearerToken(HttpBearer):
    """Authenticates every API operation. Sets ``request.auth`` to the ApiToken."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get("Authorization", "")
        if not header:
            self._failed(request)
            raise AuthenticationError(
                message="Send an API token: Authorization: Bearer cd_<prefix>_<secret>."
            )
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            self._failed(request)
            raise AuthenticationError(
                message="The Authorization header must be: Bearer cd_<prefix>_<secret>."
            )
        token = self.authenticate(request, raw.strip())
        if token is None:
            self._failed(request)
            raise AuthenticationError(message="This API token is not valid or has been revoked.")
        if two_factor.must_enrol(token.user):
            self._failed(request)
            raise AuthenticationError(
                message="Your role requires two-factor sign-in: set it up under Your account "
                "in caredesk before using API tokens."
            )
        request.auth = token  # type: ignore[attr-defined]
        rate = getattr(settings, "CAREDESK_API_RATE", DEFAULT_RATE)
        _check_rate(request, key=_token_key, rate=rate, group="api.token")
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if len(token) > 200 or not token.isascii():
            return None
        found = authenticate_token(token, now=clock.now())
        if found is None:
            return None
        # A customer-kind token must belong to a customer account, and vice versa for staff.
        user = found.user
        if found.kind == ApiToken.Kind.CUSTOMER and not user.is_customer:
            return None
        if not user.is_customer and not user.is_agent_staff:
            return None
        return found

    def _failed(self, request: HttpRequest) -> None:
        rate = getattr(settings, "CAREDESK_API_FAILED_AUTH_RATE", DEFAULT_FAILED_RATE)
        _check_rate(request, key="ip", rate=rate, group="api.failed_auth")


bearer = BearerToken()


def api_token(request: HttpRequest) -> ApiToken:
    return cast(ApiToken, request.auth)  # type: ignore[attr-defined]


def api_user(request: HttpRequest) -> User:
    return api_token(request).user


def is_customer(request: HttpRequest) -> bool:
    return api_user(request).is_customer


def require_staff(request: HttpRequest) -> User:
    user = api_user(request)
    if not user.is_agent_staff:
        raise PermissionDenied(
            "This endpoint needs a staff token; customer tokens can use /cases, "
            "/cases/{id}/messages and /customers/me.",
            code="staff_only",
        )
    return user


def require_manager(request: HttpRequest) -> User:
    user = require_staff(request)
    if not user.sees_all_cases:
        raise PermissionDenied(
            "Only managers and admins can change organizations.", code="managers_only"
        )
    return user


def require_lead(request: HttpRequest) -> User:
    """Leads, managers and admins: they read the desk's configuration."""
    user = require_staff(request)
    if user.level < ROLE_LEVEL[Role.LEAD]:
        raise PermissionDenied(
            "Leads, managers and admins see the desk's configuration.", code="leads_only"
        )
    return user


def require_admin(request: HttpRequest) -> User:
    """Admins: they change the desk's configuration (as in the admin pages)."""
    user = require_staff(request)
    if user.role != Role.ADMIN:
        raise PermissionDenied(
            "Only admins can change staff accounts, teams and the desk's configuration.",
            code="admins_only",
        )
    return user


def token_customer(request: HttpRequest) -> Customer:
    """The customer record behind a customer token."""
    customer = getattr(api_user(request), "customer", None)
    if customer is None:
        raise PermissionDenied(
            "This customer account has no customer record; ask support to link it.",
            code="no_customer_record",
        )
    return cast(Customer, customer)
