"""Signed answer links for "Is this solved?": one for yes, one for no.

Signed with their own salt (never valid as another app's token), single-purpose (the
purpose is signed in; a yes token never works as a no), expiring after
``CAREDESK_RESOLUTION_LINK_DAYS``, and single-use in effect (once the resolution is
settled the link only says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing

SALT = "caredesk.resolutions.answer"
MAX_TOKEN = 300
Purpose = Literal["yes", "no"]
PURPOSES: tuple[Purpose, ...] = ("yes", "no")


@dataclass(frozen=True)
class Answer:
    resolution_id: int
    ticket_id: int
    customer_id: int
    purpose: Purpose


class BadLink(Exception):
    """Why a link cannot be used: ``invalid``, ``expired`` or ``wrong_purpose``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def max_age_seconds() -> int:
    return int(settings.CAREDESK_RESOLUTION_LINK_DAYS) * 86400


def make_token(resolution_id: int, ticket_id: int, customer_id: int, purpose: Purpose) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    data = {"r": resolution_id, "t": ticket_id, "c": customer_id, "p": purpose}
    return signing.dumps(data, salt=SALT, compress=True)


def answer_url(resolution_id: int, ticket_id: int, customer_id: int, purpose: Purpose) -> str:
    token = make_token(resolution_id, ticket_id, customer_id, purpose)
    return f"{settings.SITE_URL}/portal/solved/{purpose}/{token}/"


def read_token(token: str, purpose: str) -> Answer:
    """The answer a valid, unexpired token of ``purpose`` carries; :class:`BadLink` else."""
    if purpose not in PURPOSES or not token or len(token) > MAX_TOKEN:
        raise BadLink("invalid")
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age_seconds())
    except signing.SignatureExpired:
        raise BadLink("expired") from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise BadLink("invalid") from None
    if not isinstance(data, dict):
        raise BadLink("invalid")
    ids = [data.get(k) for k in ("r", "t", "c")]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise BadLink("invalid")
    if data.get("p") != purpose:
        raise BadLink("wrong_purpose")
    r, t, c = (int(str(i)) for i in ids)
    return Answer(r, t, c, "yes" if purpose == "yes" else "no")
