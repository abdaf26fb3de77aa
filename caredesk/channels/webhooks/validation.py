"""What an endpoint may be: the URL rules (checked when it is saved, and the address
again before every delivery) and the event filter."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

from caredesk.channels.webhooks.models import MAX_DESCRIPTION, MAX_URL
from caredesk.core.errors import DomainError
from caredesk.core.text import clean_line

MAX_PATTERNS = 50
MAX_PATTERN = 60
# "case.created", "promise.*", "*": lower-case words joined by dots, optionally ".*" last.
_PATTERN = re.compile(r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
# Webhook events describe the webhooks themselves; sending them would make loops.
OWN_PREFIX = "webhook."
AUTOMATION_CALL = "automation.webhook"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def allow_private() -> bool:
    return bool(getattr(settings, "CAREDESK_WEBHOOK_ALLOW_PRIVATE", False))


def clean_description(value: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > MAX_DESCRIPTION:
        raise DomainError(
            f"The description is too long ({len(value):,} characters; the limit is "
            f"{MAX_DESCRIPTION}).",
            code="description_too_long",
        )
    return clean_line(value, max_chars=MAX_DESCRIPTION, field="description") if value else ""


def _url_error(message: str, code: str) -> DomainError:
    return DomainError(message, code=code, details={"field": "url"})


def parse_url(url: str) -> SplitResult:
    """The URL split into parts, or a :class:`DomainError` saying what is wrong with it.
    Does not look the host up (see :func:`check_url`)."""
    url = (url or "").strip()
    if not url:
        raise _url_error("Enter the URL that should receive the webhooks.", "url_required")
    if len(url) > MAX_URL:
        raise _url_error(
            f"The URL is too long ({len(url):,} characters; the limit is {MAX_URL:,}).",
            "url_too_long",
        )
    if _UNSAFE_URL_CHARS.search(url) or not url.isprintable():
        raise _url_error(
            "The URL contains spaces, backslashes or control characters; "
            "percent-encode them (%20).",
            "url_invalid",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _url_error(f"The URL is not valid ({exc}).", "url_invalid") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or url.split(":", 1)[0]
        raise _url_error(
            f"Only http:// and https:// URLs can receive webhooks, not {shown[:20]!r}.",
            "url_scheme_not_allowed",
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _url_error(
            "The URL must not contain a user name or password; the receiver checks the "
            "X-Caredesk-Signature header instead.",
            "url_credentials",
        )
    if not parts.hostname:
        raise _url_error("The URL has no host name.", "url_invalid")
    if parts.fragment or url.endswith("#"):
        raise _url_error("The URL must not contain a #fragment.", "url_invalid")
    if port == 0:
        raise _url_error("The URL's port must be between 1 and 65535.", "url_invalid")
    return parts


def address_problem(address: Address) -> str:
    """Why deliveries may not go to this address ('' when they may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow_private():
        return ""
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private-network address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "an address that is not public"
    return ""


def _refused(host: str, address: str, why: str) -> DomainError:
    shown = host if host == address else f"{host} ({address})"
    return _url_error(
        f"The URL's host {shown} is {why}; webhooks only go to public addresses. "
        "(CAREDESK_WEBHOOK_ALLOW_PRIVATE=true allows private ones, for development.)",
        "url_private_address",
    )


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address the host name resolves to (raises OSError when it does not)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def check_url(url: str) -> str:
    """The URL, cleaned, if webhooks may be sent to it; else a clear DomainError.

    A host that does not resolve (yet) is accepted: its deliveries fail visibly in the
    delivery log. The address is checked again before every delivery (DNS rebinding)."""
    parts = parse_url(url)
    host = parts.hostname or ""
    if not allow_private():
        if host == "localhost" or host.endswith(".localhost"):
            raise _refused(host, host, "a loopback address")
        literal = literal_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = resolve(host, default_port(parts))
            except (OSError, UnicodeError):
                addresses = []
        for address in addresses:
            why = address_problem(address)
            if why:
                raise _refused(host, str(address), why)
    return url.strip()


def clean_patterns(patterns: Iterable[str]) -> list[str]:
    """The event filter: kinds and wildcards, deduplicated in the order given."""
    if isinstance(patterns, str):
        patterns = [patterns]
    cleaned: list[str] = []
    for raw in patterns:
        value = str(raw).strip()
        if not value:
            continue
        if len(value) > MAX_PATTERN or not _PATTERN.match(value):
            raise DomainError(
                f"{value[:MAX_PATTERN]!r} is not an event kind or wildcard; use names like "
                "'case.created', 'promise.*' or '*' (lower-case, dots between words).",
                code="invalid_event_filter",
                details={"field": "events"},
            )
        if value.startswith(OWN_PREFIX):
            raise DomainError(
                "Webhook events (webhook.*) are never delivered by webhooks, so that an "
                "endpoint cannot trigger itself.",
                code="invalid_event_filter",
                details={"field": "events"},
            )
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise DomainError(
            "Choose at least one event kind, a wildcard like 'case.*', or '*' for all.",
            code="invalid_event_filter",
            details={"field": "events"},
        )
    if len(cleaned) > MAX_PATTERNS:
        raise DomainError(
            f"An endpoint can subscribe to at most {MAX_PATTERNS} event kinds; use "
            "wildcards like 'case.*'.",
            code="invalid_event_filter",
            details={"field": "events"},
        )
    return cleaned


def matches(patterns: Iterable[str], kind: str) -> bool:
    """True when the event kind is selected by the filter. Webhook events never are."""
    if kind.startswith(OWN_PREFIX) or kind == AUTOMATION_CALL:
        return False  # an automation's call goes to the endpoint it names (consumer.py)
    for pattern in patterns:
        if pattern == "*" or pattern == kind:
            return True
        if pattern.endswith(".*") and kind.startswith(pattern[:-1]):
            return True
    return False
