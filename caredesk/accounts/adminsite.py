"""The Django admin signs in through caredesk's sign-in, never its own (issue 15, finding 7).

Django's admin has a password-only sign-in page at ``/admin/login/`` with no rate limit and
no second factor. :func:`require_caredesk_sign_in` turns the admin site's sign-in into a
redirect to caredesk's ``/login/`` (which checks the TOTP code and limits attempts) and
makes the admin refuse a session that has not passed the second factor when the user has
a device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from caredesk.accounts import two_factor
from caredesk.accounts.guards import needs_second_factor

SIGN_IN_URL = "/login/"
NO_ADMIN = (
    "Your account cannot use the admin pages. Ask an administrator if you need them; "
    "the rest of caredesk is at /."
)


def sign_in_url(next_url: str) -> str:
    return SIGN_IN_URL + "?" + urlencode({"next": next_url})


def _admin_next(request: HttpRequest, default: str) -> str:
    value = str(request.GET.get("next") or request.POST.get("next") or "")
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


def admin_login_view(site: AdminSite) -> Callable[..., HttpResponse]:
    """The view that replaces ``site.login`` (GET and POST alike: a password posted here is
    never checked)."""
    has_permission = site.has_permission

    def login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        target = _admin_next(request, reverse("admin:index", current_app=site.name))
        user: Any = request.user
        if user.is_authenticated:
            if needs_second_factor(request):
                logout(request)
                return HttpResponseRedirect(sign_in_url(target))
            if two_factor.must_enrol(user):
                return HttpResponseRedirect(two_factor.ENROL_URL)
            if has_permission(request):
                return HttpResponseRedirect(target)
            # Signed in through caredesk but not an admin user: sending them to /login/
            # would come straight back here.
            return HttpResponseForbidden(NO_ADMIN, content_type="text/plain; charset=utf-8")
        return HttpResponseRedirect(sign_in_url(target))

    return login


def require_caredesk_sign_in(site: AdminSite) -> AdminSite:
    """Call before ``site.urls`` is read (config/urls.py)."""
    original = site.has_permission

    def has_permission(request: HttpRequest) -> bool:
        return (
            bool(original(request))
            and not needs_second_factor(request)
            and not two_factor.must_enrol(request.user)
        )

    # Instance attributes over the class's methods: the admin's get_urls() and
    # admin_view() read them from the instance (the default site, a lazy object, passes
    # the assignment on to the site it wraps).
    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = admin_login_view(site)  # type: ignore[method-assign]
    return site
