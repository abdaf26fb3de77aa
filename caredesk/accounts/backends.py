"""Loading the signed-in user on each request.

Every staff page asks whether the user has a confirmed TOTP device
(``accounts.guards.needs_second_factor``). ``SignedInUserBackend`` reads that in the
query that loads the user, as ``has_confirmed_totp``: read fresh on every request, so
enforcement is exactly as strict as a separate query, without the second round trip.

It only loads users. Passwords are checked by Django's ``ModelBackend``, listed after it in
``AUTHENTICATION_BACKENDS``: this backend's ``authenticate`` accepts no credentials, so
``django.contrib.auth.authenticate`` passes over it. Sessions signed in through
``ModelBackend`` (portal customers, sessions older than this backend) keep working, and the
guard falls back to its own query for them.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts.models import User

PATH = "caredesk.accounts.backends.SignedInUserBackend"


@functools.cache
def _confirmed_totp() -> Exists:
    """Built once (``annotate`` resolves a copy): building it per request cost ~0.2 ms."""
    return Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))


class SignedInUserBackend(BaseBackend):
    def authenticate(self, request: Any) -> None:  # type: ignore[override]
        """Never signs anyone in (no credentials accepted; Django then tries the next backend)."""
        return None

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.annotate(has_confirmed_totp=_confirmed_totp()).get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        # As ModelBackend.user_can_authenticate: inactive users are not signed in.
        return user if user.is_active else None


PROVIDER_MFA_PATH = "caredesk.accounts.backends.ProviderTwoFactorBackend"


class ProviderTwoFactorBackend(SignedInUserBackend):
    """Sessions signed in with single sign-on whose provider did the second factor
    (docs/single-sign-on.md): the provider's sign-in counts as the two-factor one, so the
    session needs no caredesk code and the role's two-factor rule is met."""

    def get_user(self, user_id: Any) -> User | None:
        user = super().get_user(user_id)
        if user is not None:
            user.has_confirmed_totp = False  # type: ignore[attr-defined]
            user.second_factor_by_provider = True  # type: ignore[attr-defined]
        return user
