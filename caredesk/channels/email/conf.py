"""Settings of the email channel, read when used (tests override them with ``settings``)."""

from __future__ import annotations

import os
from email.utils import parseaddr

from django.conf import settings

# Outgoing mail's settings are core's (the outbox is a core service); named here too
# because intake uses the same addresses.
from caredesk.core.mailconf import (  # noqa: F401
    auto_reply_window_seconds,
    desk_address,
    extra_own_addresses,
    outbox_max_attempts,
)


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is not None:
        return int(value)
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def max_raw_bytes() -> int:
    """Larger messages are kept as a header-only stub, and the sender is told."""
    return _int("CAREDESK_EMAIL_MAX_BYTES", 25 * 1024 * 1024)


def max_mime_depth() -> int:
    return _int("CAREDESK_EMAIL_MAX_MIME_DEPTH", 20)


def max_mime_parts() -> int:
    return _int("CAREDESK_EMAIL_MAX_MIME_PARTS", 500)


def parse_seconds() -> int:
    return _int("CAREDESK_EMAIL_PARSE_SECONDS", 20)


def batch_size() -> int:
    """How many stored messages a worker files in one transaction (one commit)."""
    return max(1, _int("CAREDESK_EMAIL_BATCH", 200))


def batch_bytes() -> int:
    """A batch stops growing at this many bytes of raw mail (it holds them in memory)."""
    return max(1, _int("CAREDESK_EMAIL_BATCH_BYTES", 32 * 1024 * 1024))


def inbound_secret() -> str:
    value = getattr(settings, "CAREDESK_INBOUND_SECRET", None)
    if value is None:
        value = os.environ.get("CAREDESK_INBOUND_SECRET", "")
    return str(value).strip()


def inbound_window_seconds() -> int:
    return _int("CAREDESK_INBOUND_WINDOW", 300)


def address_in(value: object) -> str:
    """The address in a value such as ``"caredesk <support@example.com>"``, or ""."""
    address = parseaddr(str(value or ""))[1].strip().lower()
    return address if address.count("@") == 1 and "." in address.split("@")[1] else ""


def sender_addresses() -> list[str]:
    """The addresses caredesk sends from besides ``DEFAULT_FROM_EMAIL`` (which core
    counts itself): Django's ``SERVER_EMAIL``. (Not the SMTP login: on a small desk that
    can be an admin's own mailbox, and mail to it must still go out.)"""
    address = address_in(getattr(settings, "SERVER_EMAIL", ""))
    return [address] if address else []
