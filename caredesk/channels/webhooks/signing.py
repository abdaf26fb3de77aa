"""Endpoint secrets (generated, encrypted at rest) and the request signature."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from caredesk.core.crypto import SecretBox

SECRET_PREFIX = "whsec_"
SHOWN_PREFIX = 10  # "whsec_" and four characters: enough to tell two secrets apart


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def shown_prefix(secret: str) -> str:
    return secret[:SHOWN_PREFIX]


ENDPOINT_SECRETS = SecretBox(
    salt=b"caredesk-webhooks",
    info=b"webhook endpoint secrets",
    unreadable="The endpoint's signing secret cannot be decrypted (was SECRET_KEY changed?). "
    "Rotate the secret and give the new one to the receiver.",
    code="webhook_secret_unreadable",
)
encrypt = ENDPOINT_SECRETS.encrypt
decrypt = ENDPOINT_SECRETS.decrypt


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with the secret."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
