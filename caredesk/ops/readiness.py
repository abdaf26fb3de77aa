"""What will bite in production, as ``caredesk check`` lists it (docs/operations.md).

Each check returns a sentence saying what is wrong and what to do, or nothing. They read
settings and a few rows; ``caredesk check --strict`` exits 1 when any of them speaks, so a
deployment pipeline can refuse to go live with them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import connection
from django_otp import devices_for_user

from caredesk.accounts.models import Role, User
from caredesk.core import mailconf
from caredesk.core.models import WorkerLease

from . import queue

Warning_ = Callable[[datetime], str | None]


def debug_on(now: datetime) -> str | None:
    if settings.DEBUG:
        return "DEBUG is on: error pages show settings and code. Set DEBUG=false."
    return None


def no_tls(now: datetime) -> str | None:
    if settings.SECURE_SSL_REDIRECT and settings.SESSION_COOKIE_SECURE:
        return None
    return (
        "pages are served without TLS (SECURE_SSL_REDIRECT or SESSION_COOKIE_SECURE is off): "
        "sign-in cookies can be read on the way. Put TLS in front (docs/deployment.md)."
    )


def sqlite_database(now: datetime) -> str | None:
    if connection.vendor == "sqlite":
        return (
            "the database is SQLite: fine for one machine and a small team, but back it up "
            "with the service stopped, and move to PostgreSQL to scale (docs/scaling.md)."
        )
    return None


def no_own_addresses(now: datetime) -> str | None:
    if mailconf.extra_own_addresses() or (
        mailconf.desk_address() and not mailconf.desk_address().endswith(".localhost")
    ):
        return None
    return (
        "caredesk knows no mail address of its own (DEFAULT_FROM_EMAIL and "
        "CAREDESK_EMAIL_OWN_ADDRESSES): mail from the desk itself could be answered (a loop)."
    )


def no_worker(now: datetime) -> str | None:
    if not queue.needs_worker():
        return None
    if WorkerLease.objects.filter(expires_at__gt=now).exists():
        return None
    return (
        "no background worker is running (no fresh lease): mail, deadlines and reports "
        "wait. Run `caredesk worker` as a service (docs/deployment.md)."
    )


def admins_without_second_factor(now: datetime) -> str | None:
    people = User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.MANAGER)).order_by(
        "email"
    )
    missing = [u.email for u in people if not any(devices_for_user(u, confirmed=True))]
    if not missing:
        return None
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (
        f"{len(missing)} admin or manager account(s) have no second factor: {shown}. "
        "Each should set one up under Your account → Two-factor sign-in."
    )


WARNINGS: tuple[Warning_, ...] = (
    debug_on,
    no_tls,
    sqlite_database,
    no_own_addresses,
    no_worker,
    admins_without_second_factor,
)


def production_warnings(now: datetime) -> list[str]:
    return [w for w in (check(now) for check in WARNINGS) if w]
