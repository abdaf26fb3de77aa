"""Changes to accounts: API tokens and availability. Audited like every other change."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from caredesk.accounts.models import ApiToken, User
from caredesk.core import audit
from caredesk.core.errors import DomainError, NotFound, PermissionDenied

TOKEN_PREFIX_BYTES = 6
MAX_ACTIVE_TOKENS = 20


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # Shown once, at creation; only its hash is stored.
    plaintext: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_api_token(*, user: User, name: str, now: datetime) -> IssuedToken:
    """Staff get a staff token; a portal customer gets a customer-scoped token."""
    name = " ".join(name.split())[:100]
    if not name:
        raise DomainError("Give the token a name, so you can recognise it later.", code="empty")
    if not user.is_active:
        raise PermissionDenied("Inactive accounts cannot create tokens.")
    kind = ApiToken.Kind.CUSTOMER if user.is_customer else ApiToken.Kind.STAFF
    with transaction.atomic():
        active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise DomainError(
                f"You already have {active} active tokens; revoke one first.",
                code="too_many_tokens",
            )
        prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            kind=kind,
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            created_at=now,
        )
        audit.record("api_token.created", actor=user, now=now, new={"token": prefix, "name": name})
    return IssuedToken(token=token, plaintext=f"cd_{prefix}_{secret}")


def do_revoke_api_token(*, actor: User, token_id: int, now: datetime) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or (token.user_id != actor.pk and actor.role != "admin"):
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            audit.record("api_token.revoked", actor=actor, now=now, old={"token": token.prefix})
    return token


def authenticate_token(raw: str, *, now: datetime) -> ApiToken | None:
    """``cd_<prefix>_<secret>`` → the active token, or None. Constant-time comparison."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "cd" or len(parts[1]) != TOKEN_PREFIX_BYTES * 2:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.secret_hash, hash_secret(parts[2])):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def do_set_away(*, user: User, away: bool, now: datetime) -> User:
    if not user.is_agent_staff:
        raise PermissionDenied("Only staff can set themselves away.")
    with transaction.atomic():
        old = user.is_away
        if old != away:
            user.is_away = away
            user.save(update_fields=["is_away"])
            audit.record(
                "staff.away_changed", actor=user, now=now, field="is_away", old=old, new=away
            )
    return user
