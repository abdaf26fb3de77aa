"""Which roles must use two-factor sign-in, and what a person who must but has not yet
set it up may do (issue 17).

``CAREDESK_TWO_FACTOR_ROLES`` lists the roles (default: admin and manager in production,
nobody elsewhere). Someone in such a role without a confirmed authenticator signs in with
their password and is then held on their account page until they set one up: every other
staff page sends them there, the Django admin refuses them, and their API tokens are
refused. Views that are part of setting it up are marked :func:`allowed_before_enrolment`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

ENROL_URL = "/account/#two-factor"
F = TypeVar("F", bound=Callable[..., Any])


def required_roles() -> frozenset[str]:
    return frozenset(str(r) for r in getattr(settings, "CAREDESK_TWO_FACTOR_ROLES", ()))


def required_for(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        str(getattr(user, "role", "")) in required_roles()
    )


def has_authenticator(user: Any) -> bool:
    # A single sign-on session whose provider asked for the second factor
    # (accounts.backends.ProviderTwoFactorBackend).
    if getattr(user, "second_factor_by_provider", False):
        return True
    # Read with the user, in the same query, by accounts.backends.SignedInUserBackend.
    confirmed = getattr(user, "has_confirmed_totp", None)
    if confirmed is not None:
        return bool(confirmed)
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def must_enrol(user: Any) -> bool:
    """True for someone whose role requires two-factor sign-in and who has not set it up."""
    return required_for(user) and not has_authenticator(user)


def allowed_before_enrolment(view: F) -> F:
    """Mark a staff view as part of setting up two-factor sign-in (apply it right on the
    function, under ``@staff_required``)."""
    view.allowed_before_enrolment = True  # type: ignore[attr-defined]
    return view
