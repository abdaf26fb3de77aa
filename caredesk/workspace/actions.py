"""Changes the workspace makes to a staff member's own sign-in settings (TOTP two-factor).

Like every other action these run in one transaction and leave an audit event.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts import two_factor
from caredesk.accounts.models import User
from caredesk.core import audit
from caredesk.core.errors import Conflict, DomainError, PermissionDenied

DEVICE_NAME = "Authenticator app"


def _require_staff(user: User) -> None:
    if not user.is_agent_staff:
        raise PermissionDenied(gettext("Only staff can set up two-factor sign-in here."))


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def do_start_totp(*, user: User, now: datetime) -> TOTPDevice:
    """Create a fresh, unconfirmed device (replacing any earlier unconfirmed one)."""
    _require_staff(user)
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError(gettext("Two-factor sign-in is already on."), code="totp_exists")
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        audit.record("totp.started", actor=user, now=now, field="totp", new="pending")
    return device


def _clean_code(code: str) -> str:
    value = "".join(code.split())
    if not value.isdigit() or not 6 <= len(value) <= 8:
        raise DomainError(
            gettext("Enter the 6-digit code from your authenticator app."), code="bad_code"
        )
    return value


def do_confirm_totp(*, user: User, code: str, now: datetime) -> TOTPDevice:
    """Turn the pending device on once the user proves it works with a current code."""
    _require_staff(user)
    value = _clean_code(code)
    device = pending_totp_device(user)
    if device is None:
        raise DomainError(gettext("Start the set-up again: no pending device."), code="no_device")
    # Verified outside the transaction so that django-otp's failure throttle is kept.
    if not device.verify_token(value):
        raise DomainError(
            gettext("That code did not match. Check the time on your phone and try the next code."),
            code="bad_code",
        )
    with transaction.atomic():
        updated = TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True)
        if not updated:
            raise DomainError(
                gettext("Start the set-up again: no pending device."), code="no_device"
            )
        device.confirmed = True
        audit.record("totp.enabled", actor=user, now=now, field="totp", old=False, new=True)
    return device


def do_disable_totp(*, user: User, code: str, now: datetime) -> None:
    """Switch two-factor off; a current code is required so a stolen session cannot."""
    _require_staff(user)
    if two_factor.required_for(user):
        raise Conflict(
            gettext(
                "Your role requires two-factor sign-in, so it cannot be turned off. To move it "
                "to a new phone, ask an admin to remove the old device, then set it up again."
            ),
            code="totp_required",
        )
    value = _clean_code(code)
    device = confirmed_totp_device(user)
    if device is None:
        raise DomainError(gettext("Two-factor sign-in is not on."), code="no_device")
    if not device.verify_token(value):
        raise DomainError(gettext("That code did not match."), code="bad_code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record("totp.disabled", actor=user, now=now, field="totp", old=True, new=False)


RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODES = 10


def unused_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def do_make_recovery_codes(*, user: User, now: datetime) -> list[str]:
    """Ten single-use codes that stand in for the authenticator at sign-in (a lost phone).
    Making new ones voids the old. Shown once, to the person, right after this call; the
    audit records that they were made, never the codes."""
    _require_staff(user)
    if confirmed_totp_device(user) is None:
        raise DomainError(gettext("Turn on two-factor sign-in first."), code="no_device")
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        audit.record(
            "totp.recovery_codes_made",
            actor=user,
            now=now,
            field="recovery_codes",
            new=RECOVERY_CODES,
        )
    return codes


def do_remake_recovery_codes(*, user: User, code: str, now: datetime) -> list[str]:
    """New recovery codes, with a current authenticator code (a stolen session cannot)."""
    _require_staff(user)
    value = _clean_code(code)
    device = confirmed_totp_device(user)
    if device is None:
        raise DomainError(gettext("Turn on two-factor sign-in first."), code="no_device")
    if not device.verify_token(value):
        raise DomainError(gettext("That code did not match."), code="bad_code")
    return do_make_recovery_codes(user=user, now=now)
