"""Settings of the email channel, read when used (tests override them with ``settings``)."""

from __future__ import annotations

import os
from email.utils import parseaddr

from django.conf import settings


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


def auto_reply_window_seconds() -> int:
    """At most one automatic reply per sender in this window."""
    return _int("CAREDESK_EMAIL_AUTO_REPLY_WINDOW", 3600)


def outbox_max_attempts() -> int:
    return _int("CAREDESK_EMAIL_MAX_ATTEMPTS", 8)


def inbound_secret() -> str:
    value = getattr(settings, "CAREDESK_INBOUND_SECRET", None)
    if value is None:
        value = os.environ.get("CAREDESK_INBOUND_SECRET", "")
    return str(value).strip()


def inbound_window_seconds() -> int:
    return _int("CAREDESK_INBOUND_WINDOW", 300)


def desk_address() -> str:
    """The address caredesk sends from (DEFAULT_FROM_EMAIL's address part), lower-case."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()


def extra_own_addresses() -> list[str]:
    value = getattr(settings, "CAREDESK_EMAIL_OWN_ADDRESSES", None)
    if value is None:
        value = [v for v in os.environ.get("CAREDESK_EMAIL_OWN_ADDRESSES", "").split(",") if v]
    return [str(v).strip().lower() for v in value if str(v).strip()]
