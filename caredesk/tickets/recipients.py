"""Extra recipients of a mail an agent sends (Cc and Bcc of a reply, the addresses a
case is forwarded to): parsed and checked once, with the same words on every channel.

A list is comma- or semicolon-separated bare addresses (``a@x.example``) or
``Name <a@x.example>``. Refused with a clear error, never trimmed silently: more than
:data:`MAX_RECIPIENTS`, an address that is not valid, a carriage return or line feed
inside an address (header injection), one of the desk's own addresses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from caredesk.core import mailconf
from caredesk.core.errors import InvalidInput
from caredesk.tickets.timespent import check_minutes

MAX_RECIPIENTS = 20
MAX_TEXT = 20 * 320  # a list longer than this cannot hold 20 valid addresses
_SPLIT = re.compile(r"[,;]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")


def parse_recipients(value: str | Iterable[str] | None, *, field: str) -> list[str]:
    """The addresses in ``value`` (text typed in a form, or a list from the API),
    lower-cased, without repeats, in the order given. ``field`` names the input in errors."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    label = field.capitalize() if len(field) > 3 else field.title()
    if len(items) > MAX_RECIPIENTS * 2 or sum(len(str(i)) for i in items) > MAX_TEXT:
        raise InvalidInput(
            f"{label}: at most {MAX_RECIPIENTS} addresses.", field=field, code="too_many"
        )
    parts: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInput(f"{label}: addresses are text.", field=field, code="invalid")
        # A CR or LF is an attempt to add a header (refused below, before any split).
        if _CONTROL.search(item.strip(" ")):
            raise InvalidInput(
                f"{label}: line breaks and control characters are not allowed.",
                field=field,
                code="header_injection",
            )
        parts.extend(_SPLIT.split(item))
    found: list[str] = []
    for raw in parts:
        text = raw.strip()
        if not text:
            continue
        address = _address(text, label, field)
        if address not in found:
            found.append(address)
        if len(found) > MAX_RECIPIENTS:
            raise InvalidInput(
                f"{label}: at most {MAX_RECIPIENTS} addresses.", field=field, code="too_many"
            )
    return found


def _address(text: str, label: str, field: str) -> str:
    _name, bare = parseaddr(text)
    bare = bare.strip()
    shown = text if len(text) <= 80 else text[:77] + "…"
    if not bare or ("<" in text and not text.rstrip().endswith(">")):
        raise InvalidInput(
            f"{label}: {shown!r} is not an email address.", field=field, code="invalid_address"
        )
    try:
        validate_email(bare)
    except ValidationError:
        raise InvalidInput(
            f"{label}: {shown!r} is not a valid email address.",
            field=field,
            code="invalid_address",
        ) from None
    address = bare.lower()
    if mailconf.is_own_address(address):
        raise InvalidInput(
            f"{label}: {address} is one of our own addresses.", field=field, code="own_address"
        )
    return address


def as_text(addresses: Iterable[str]) -> str:
    """The list as a form shows it back."""
    return ", ".join(addresses)


def check_reply_extras(cc: object, bcc: object, minutes: object) -> None:
    """Refuse a reply's bad Cc, Bcc or time spent before anything else looks at the draft
    (the coverage check): the same checks ``do_reply`` runs, so the agent hears about a
    typo in an address first."""
    parse_recipients(cc, field="cc")  # type: ignore[arg-type]
    parse_recipients(bcc, field="bcc")  # type: ignore[arg-type]
    check_minutes(minutes)
