"""Settings of outgoing mail, read when used (tests override them with ``settings``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable
from email.utils import parseaddr
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


def env_int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is not None:
        return int(value)
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def auto_reply_window_seconds() -> int:
    """At most one capped automatic reply per sender in this window."""
    return env_int("CAREDESK_EMAIL_AUTO_REPLY_WINDOW", 3600)


def outbox_max_attempts() -> int:
    return env_int("CAREDESK_EMAIL_MAX_ATTEMPTS", 8)


def desk_address() -> str:
    """The address caredesk sends from (DEFAULT_FROM_EMAIL's address part), lower-case."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()


def desk_domain() -> str:
    address = desk_address()
    return address.split("@", 1)[1] if "@" in address else "caredesk.localhost"


def extra_own_addresses() -> list[str]:
    value = getattr(settings, "CAREDESK_EMAIL_OWN_ADDRESSES", None)
    if value is None:
        value = [v for v in os.environ.get("CAREDESK_EMAIL_OWN_ADDRESSES", "").split(",") if v]
    return [str(v).strip().lower() for v in value if str(v).strip()]


def plus_addressing() -> bool:
    return bool(getattr(settings, "CAREDESK_EMAIL_PLUS_ADDRESSING", False))


@cache
def _address_sources(paths: tuple[str, ...]) -> list[Callable[[], Iterable[str]]]:
    return [import_string(p) for p in paths]


def own_addresses() -> set[str]:
    """Addresses that are ours: the desk address, the configured extra ones, and what the
    sources in ``settings.CAREDESK_OWN_ADDRESS_SOURCES`` add (the email channel's
    mailboxes). Mail to them is never sent; mail from them is never answered."""
    addresses = {desk_address(), *extra_own_addresses()}
    paths = tuple(getattr(settings, "CAREDESK_OWN_ADDRESS_SOURCES", ()))
    for source in _address_sources(paths):
        addresses.update(a.lower() for a in source())
    return {a for a in addresses if a}


def base_address(address: str) -> str:
    """``support+cd-12@example.com`` → ``support@example.com`` (a plus-address is ours
    when its base address is)."""
    local, at, domain = address.strip().lower().partition("@")
    return local.split("+", 1)[0] + at + domain if at else address.strip().lower()


def is_own_address(address: str, own: Collection[str] | None = None) -> bool:
    """True when ``address`` (a bare address or ``Name <address>``) is one of ours, a
    plus-address of one of ours included: ``support+abc@desk.example`` is the desk's
    when ``support@desk.example`` is."""
    bare = parseaddr(address)[1] or address
    bare = bare.strip().lower()
    if not bare:
        return False
    ours = own_addresses() if own is None else own
    return bare in ours or base_address(bare) in ours
