"""Encryption at rest for mailbox passwords."""

from __future__ import annotations

from caredesk.core.crypto import SecretBox

MAILBOX_PASSWORDS = SecretBox(
    salt=b"caredesk-email-mailbox",
    info=b"mailbox credentials",
    unreadable="The stored mailbox password cannot be decrypted (was SECRET_KEY changed?). "
    "Enter the password again in the admin.",
    code="mailbox_password_unreadable",
)
encrypt = MAILBOX_PASSWORDS.encrypt
decrypt = MAILBOX_PASSWORDS.decrypt
