"""Wrong staff passwords slow down the address that sends them, not the account.

Each (account email, client address) pair counts its wrong passwords. The first
:data:`FREE_TRIES` cost nothing; after that the pair waits before its next try, doubling
from :data:`FIRST_WAIT` up to :data:`LONGEST_WAIT`. A right password clears the pair. The
owner, signing in from another address, is never held up by someone guessing elsewhere;
an address guessing many accounts is held by the per-address rate limit of the sign-in
view. When a pair first has to wait, the account's owner is told (a notification, by mail
by default) so that they know someone is trying their password.

The backoff maths is pure (:func:`wait_after`); the rest reads and writes
:class:`~caredesk.accounts.models.PasswordThrottle` rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from caredesk.accounts.models import PasswordThrottle, User
from caredesk.core import notifications

FREE_TRIES = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# A pair whose last wrong password is older than this starts again from nothing.
FORGET_AFTER = timedelta(hours=24)

notifications.register_kind(
    notifications.Kind("sign_in_guessing", "Wrong passwords for your account", group="Account")
)


def wait_after(failures: int) -> timedelta:
    """How long a pair waits after its ``failures``-th wrong password."""
    if failures < FREE_TRIES:
        return timedelta(0)
    doubled = FIRST_WAIT * (2 ** min(failures - FREE_TRIES, 16))
    return min(doubled, LONGEST_WAIT)


def normal_email(email: str) -> str:
    return email.strip().lower()[:254]


def waiting(email: str, ip: str, now: datetime) -> timedelta | None:
    """How much longer this pair must wait before it may try again (None: it may)."""
    row = PasswordThrottle.objects.filter(email=normal_email(email), ip=ip).first()
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return row.blocked_until - now


def record_failure(email: str, ip: str, now: datetime) -> PasswordThrottle:
    """Count a wrong password for the pair and set its wait; tell the owner when the pair
    starts waiting. Unknown emails are counted too (the answer must not tell them apart)."""
    email = normal_email(email)
    with transaction.atomic():
        row, created = PasswordThrottle.objects.select_for_update().get_or_create(
            email=email, ip=ip, defaults={"failures": 1, "last_failure_at": now}
        )
        if not created:
            if now - row.last_failure_at > FORGET_AFTER:
                row.failures = 1
            else:
                row.failures = F("failures") + 1
            row.last_failure_at = now
            row.save(update_fields=["failures", "last_failure_at"])
            row.refresh_from_db(fields=["failures"])
        wait = wait_after(row.failures)
        row.blocked_until = now + wait if wait else None
        row.save(update_fields=["blocked_until"])
        if row.failures == FREE_TRIES:
            _tell_owner(email, ip, row.failures, now)
    return row


def _tell_owner(email: str, ip: str, failures: int, now: datetime) -> None:
    owner = User.objects.filter(email__iexact=email, is_active=True).first()
    if owner is None or owner.is_customer:
        return
    notifications.notify(
        owner,
        "sign_in_guessing",
        subject=f"{failures} wrong passwords for your caredesk account",
        body=(
            f"Someone at the address {ip} typed a wrong password for {email} {failures} "
            "times. Sign-ins from that address now have to wait; yours from elsewhere "
            "are not affected.\n\nIf this was you, nothing needs doing. If it was not, "
            "change your password and set up two-factor sign-in under Your account."
        ),
        now=now,
        link="/account/",
    )


def record_success(email: str, ip: str) -> None:
    PasswordThrottle.objects.filter(email=normal_email(email), ip=ip).delete()


def forget_old(now: datetime) -> int:
    """Periodic job: drop pairs whose last wrong password is older than FORGET_AFTER and
    that no longer wait (an address's count starts again from nothing)."""
    stale = PasswordThrottle.objects.filter(last_failure_at__lt=now - FORGET_AFTER).exclude(
        blocked_until__gt=now
    )
    deleted, _ = stale.delete()
    return deleted
