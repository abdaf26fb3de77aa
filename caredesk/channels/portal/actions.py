"""Portal sign-in: issuing and consuming one-time links (house rule 1: the only writer).

A link is 32 random bytes; only its sha256 is stored. A request for a link does the same
work whether the address is known or not (it checks the address and enqueues one task),
so the portal never reveals who is a customer, not even by its timing; the task issues
the link and mails it through the outbox, or does nothing for an unknown address. Consuming a
link is single-use even under concurrency: the row is locked and marked used with a
conditional UPDATE that only one request can win.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from caredesk.accounts.models import Role, User
from caredesk.channels.portal import tasks
from caredesk.channels.portal.models import MagicLink
from caredesk.channels.portal.selectors import find_customer_by_email, hash_token
from caredesk.core.clock import now as clock_now
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import DomainError
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets import audit

log = logging.getLogger(__name__)

MAX_EMAIL_CHARS = 254
MAX_TOKEN_CHARS = 128
TOKEN_BYTES = 32
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\s]")
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")


class LinkError(DomainError):
    """A sign-in link that cannot be used; ``code`` is invalid_link, link_used or link_expired."""


@dataclass(frozen=True)
class IssuedLink:
    link: MagicLink
    # The only place the plaintext token exists: in the emailed or printed URL.
    url: str


def normalize_email(raw: str) -> str:
    """Trimmed, lower-cased and valid, or DomainError. Refuses anything that could
    smuggle a header (CR, LF, other control characters or inner whitespace)."""
    value = (raw or "").strip()
    if not value:
        raise DomainError("Enter your email address.", code="empty")
    if len(value) > MAX_EMAIL_CHARS:
        raise DomainError("That email address is too long.", code="too_long")
    if _FORBIDDEN.search(value):
        raise DomainError("Enter a valid email address.", code="invalid_email")
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError("Enter a valid email address.", code="invalid_email") from None
    return value.lower()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("portal:auth", args=[token])


def _issue(customer: Customer, *, now: datetime, ip: str | None, verb: str) -> IssuedLink:
    """Create the row (call inside a transaction) and return the URL with the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = MagicLink.objects.create(
        customer=customer,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.CAREDESK_MAGIC_LINK_MINUTES),
        requested_ip=ip,
    )
    audit.record(
        None,
        None,
        verb,
        now=now,
        new={"customer": customer.pk, "link": link.pk, "ip": ip},
        note=f"Portal sign-in link for {customer.name}",
    )
    return IssuedLink(link=link, url=link_url(token))


def do_request_magic_link(email: str, now: datetime, ip: str | None, *, language: str = "") -> None:
    """Someone asks for a sign-in link: the same work for every well-formed address (one
    task enqueued after commit, which calls :func:`do_send_magic_link`); the caller shows
    the same page either way. Raises DomainError only for a malformed address."""
    require_aware(now, "now")
    address = normalize_email(email)
    with transaction.atomic():
        enqueue_after_commit(tasks.send_sign_in_link, address, ip, language[:16])


def do_send_magic_link(
    email: str, now: datetime, ip: str | None, *, language: str = ""
) -> IssuedLink | None:
    """Known address: store a link and put its mail in the outbox (delivered after
    commit). Unknown address: nothing happens. Returns the link, or None."""
    require_aware(now, "now")
    address = normalize_email(email)
    found = find_customer_by_email(address)
    if found is None:
        return None
    customer, stored_address = found
    with transaction.atomic():
        issued = _issue(customer, now=now, ip=ip, verb="portal_link_requested")
        send_mail(
            "sign_in_link",
            stored_address,
            {
                "name": customer.name,
                "language": customer.language or language,
                "url": issued.url,
                "minutes": settings.CAREDESK_MAGIC_LINK_MINUTES,
            },
            now=now,
            kind=OutboundEmail.Kind.SIGN_IN,
            auto=True,
        )
    return issued


def do_issue_magic_link_for_cli(email: str) -> str | None:
    """``caredesk portal-link EMAIL``: a fresh link printed for support staff, no mail sent."""
    try:
        address = normalize_email(email)
    except DomainError:
        return None
    found = find_customer_by_email(address)
    if found is None:
        return None
    with transaction.atomic():
        issued = _issue(found[0], now=clock_now(), ip=None, verb="portal_link_issued_cli")
    return issued.url


def _customer_user(customer: Customer, now: datetime) -> User:
    """The customer's login, created on first sign-in (no password: links only)."""
    user = customer.user
    if user is not None:
        return user
    identity = (
        ContactIdentity.objects.filter(customer=customer, kind=ContactIdentity.Kind.EMAIL)
        .order_by("id")
        .first()
    )
    if identity is None:
        raise LinkError("This link cannot be used any more.", code="invalid_link")
    address = identity.value.lower()
    existing = User.objects.filter(email__iexact=address).first()
    if existing is not None:
        if not existing.is_customer or hasattr(existing, "customer"):
            # Never hand a staff account, or someone else's, to a portal link.
            raise LinkError(
                "This address belongs to another account. Please contact support.",
                code="account_conflict",
            )
        user = existing
    else:
        user = User.objects.create_user(
            address, None, name=customer.name[:150], role=Role.CUSTOMER, date_joined=now
        )
    customer.user = user
    customer.save(update_fields=["user"])
    audit.record(
        None,
        user,
        "portal_account_created",
        now=now,
        new={"customer": customer.pk, "user": user.pk},
    )
    return user


def valid_token_shape(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_CHARS and bool(_TOKEN_CHARS.match(token))


def link_state(token: str, now: datetime) -> str:
    """``ok``, ``used``, ``expired`` or ``invalid`` — read only, for the page a GET shows."""
    if not valid_token_shape(token):
        return "invalid"
    link = MagicLink.objects.filter(token_hash=hash_token(token)).first()
    if link is None:
        return "invalid"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    return "ok"


def do_consume_magic_link(token: str, now: datetime) -> User:
    """Use a link once. Returns the customer's user to sign in, or raises LinkError."""
    require_aware(now, "now")
    if not valid_token_shape(token):
        raise LinkError("This sign-in link is not valid.", code="invalid_link")
    with transaction.atomic():
        link = (
            MagicLink.objects.select_for_update(of=("self",))
            .select_related("customer", "customer__user")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if link is None:
            raise LinkError("This sign-in link is not valid.", code="invalid_link")
        if link.used_at is not None:
            raise LinkError("This sign-in link has already been used.", code="link_used")
        if link.expires_at <= now:
            raise LinkError("This sign-in link has expired.", code="link_expired")
        # Only one request can turn used_at from NULL to a time.
        won = MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
        if won != 1:
            raise LinkError("This sign-in link has already been used.", code="link_used")
        user = _customer_user(link.customer, now)
        if not user.is_active or not user.is_customer:
            raise LinkError(
                "This account cannot sign in to the portal. Please contact support.",
                code="account_disabled",
            )
        audit.record(
            None,
            user,
            "portal_signed_in",
            now=now,
            new={"customer": link.customer_id, "link": link.pk},
        )
    return user
