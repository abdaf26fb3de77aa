"""Checks on what people type when they make or move a promise. Same words on every channel."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.utils.translation import gettext

from caredesk.accounts.models import User
from caredesk.core.errors import DomainError
from caredesk.core.text import clean_line
from caredesk.promises.models import Kind
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import Ticket

MAX_TEXT = 500
MAX_NOTE = 5000
MAX_AHEAD = timedelta(days=366)
MIN_AHEAD = timedelta(minutes=1)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")


def check_kind(kind: str) -> str:
    if kind not in Kind.values:
        choices = ", ".join(Kind.values)
        raise DomainError(
            f"Unknown kind of promise {kind!r}; use one of {choices}.", code="invalid_kind"
        )
    return kind


def check_text(text: str) -> str:
    return clean_line(text or "", max_chars=MAX_TEXT, field="promise")


def check_due(due: datetime | None, now: datetime, *, field: str = "due time") -> datetime:
    """A due time must be timezone-aware, in the future and within a year."""
    if due is None:
        raise DomainError(f"Give the {field}.", code="missing_due")
    if due.tzinfo is None or due.utcoffset() is None:
        raise DomainError(
            f"The {field} needs a time zone (for example 2026-11-27T15:00:00+01:00).",
            code="naive_datetime",
        )
    if due < now + MIN_AHEAD:
        raise DomainError(
            f"The {field} is in the past; promise a time still ahead.", code="due_in_past"
        )
    if due > now + MAX_AHEAD:
        raise DomainError(
            f"The {field} is more than a year ahead; promise something nearer.", code="due_too_far"
        )
    return due


def check_note(note: str, *, required: bool, field: str = "note") -> str:
    value = (note or "").replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise DomainError(f"The {field} contains a NUL character.", code="invalid_text")
    if required and not value:
        raise DomainError(f"The {field} is empty.", code="empty")
    if len(value) > MAX_NOTE:
        raise DomainError(
            f"The {field} is too long ({len(value):,} characters; the limit is {MAX_NOTE:,}).",
            code="too_long",
        )
    return value


def check_phone(number: str, *, required: bool) -> str:
    value = " ".join((number or "").split())
    if not value:
        if required:
            raise DomainError(gettext("Give a phone number."), code="missing_number")
        return ""
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.match(value) or digits < 3 or digits > 20:
        raise DomainError(
            gettext(
                "That does not look like a phone number (digits, spaces, +, -, brackets only)."
            ),
            code="invalid_number",
        )
    return value


def check_owner(owner: User | None, ticket: Ticket) -> User | None:
    if owner is None:
        return None
    if not owner.is_agent_staff:
        raise DomainError(
            gettext("Promises can only be owned by active staff."), code="invalid_owner"
        )
    if not visible_tickets(owner).filter(pk=ticket.pk).exists():
        raise DomainError(
            f"{owner.display_name} cannot see this case, so cannot own its promise.",
            code="invalid_owner",
        )
    return owner
