"""Endpoint secrets (generated, encrypted at rest) and the request signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from caredesk.core.errors import DomainError

SECRET_PREFIX = "whsec_"
SHOWN_PREFIX = 10  # "whsec_" and four characters: enough to tell two secrets apart


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def shown_prefix(secret: str) -> str:
    return secret[:SHOWN_PREFIX]


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"caredesk-webhooks",
        info=b"webhook endpoint secrets",
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(secret.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise DomainError(
            "The endpoint's signing secret cannot be decrypted (was SECRET_KEY changed?). "
            "Rotate the secret and give the new one to the receiver.",
            code="webhook_secret_unreadable",
        ) from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with the secret."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
