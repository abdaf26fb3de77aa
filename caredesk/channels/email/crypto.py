"""Encryption at rest for mailbox passwords: Fernet with a key derived from SECRET_KEY."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from caredesk.core.errors import DomainError


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"caredesk-email-mailbox",
        info=b"mailbox credentials",
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise DomainError(
            "The stored mailbox password cannot be decrypted (was SECRET_KEY changed?). "
            "Enter the password again in the admin.",
            code="mailbox_password_unreadable",
        ) from None
