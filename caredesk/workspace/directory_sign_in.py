"""The directory's part of the staff sign-in on ``/login/`` (docs/single-sign-on.md#ldap-
and-active-directory): the typed name and password checked at the directory, and the
person's staff account from their groups through the one sign-in-from-provider action.

The view (``auth_views.login_view``) keeps everything else exactly as for a caredesk
password: the per-address rate limit and the per-account throttle before, and the
role's two-factor step after.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from caredesk.accounts import directory
from caredesk.accounts.actions import do_sign_in_staff_from_sso
from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.errors import DomainError


@dataclass(frozen=True)
class DirectoryAnswer:
    """``user``: signed in. ``refusal``: the password was right but caredesk refuses
    (no mapped group, no email, a deactivated account or a customer's address).
    ``unreachable``: the directory could not be asked. Otherwise: not the directory's
    password (unknown name or wrong password), and the local password may be tried."""

    user: User | None = None
    refusal: str = ""
    unreachable: bool = False


def unreachable_message() -> str:
    return _(
        "The directory could not be reached, so your password could not be checked. "
        "Please try again in a few minutes."
    )


def attempt(login: str, password: str) -> DirectoryAnswer | None:
    """None when directory sign-in is off."""
    cfg = directory.config()
    if cfg is None:
        return None
    try:
        person = directory.authenticate(cfg, login, password)
    except directory.DirectoryUnavailable:
        return DirectoryAnswer(unreachable=True)
    if person is None:
        return DirectoryAnswer()
    if not person.email:
        return DirectoryAnswer(
            refusal=_("%(provider)s has no email address for your account.")
            % {"provider": cfg.provider_name}
        )
    grant = directory.grant(person, cfg)
    if grant is None:
        return DirectoryAnswer(
            refusal=_(
                "Your account at %(provider)s is not in a group that may use caredesk. "
                "Ask your administrator to add you to one."
            )
            % {"provider": cfg.provider_name}
        )
    try:
        user = do_sign_in_staff_from_sso(
            email=person.email,
            name=person.name,
            grant=grant,
            sync=cfg.sync_roles,
            provider=cfg.provider_name,
            method="ldap",
            now=clock.now(),
        )
    except DomainError as exc:
        return DirectoryAnswer(refusal=exc.message)
    return DirectoryAnswer(user=user)
