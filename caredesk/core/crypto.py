"""Encryption at rest for secrets caredesk must read back (mailbox passwords, webhook
signing secrets): Fernet, with a key derived from SECRET_KEY separately for each use."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from caredesk.core.errors import DomainError


@lru_cache(maxsize=16)
def _fernet(secret_key: str, salt: bytes, info: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


@dataclass(frozen=True)
class SecretBox:
    """One use of encryption at rest. ``salt`` and ``info`` keep each use's key apart (and
    must never change, or stored values can no longer be read); ``unreadable`` is the
    message, with ``code``, of the error raised when a value cannot be decrypted."""

    salt: bytes
    info: bytes
    unreadable: str
    code: str

    def encrypt(self, value: str) -> str:
        return _fernet(settings.SECRET_KEY, self.salt, self.info).encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            fernet = _fernet(settings.SECRET_KEY, self.salt, self.info)
            return fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise DomainError(self.unreadable, code=self.code) from None
