"""Signed answer links for "Is this solved?": one for yes, one for no.

Signed with their own salt (never valid as another app's token), single-purpose (the
purpose is signed in; a yes token never works as a no), expiring after
``CAREDESK_RESOLUTION_LINK_DAYS``, and single-use in effect (once the resolution is
settled the link only says so). The signing is ``caredesk.core.signed_links``, the one
mechanism every mail link uses (docs/adr/0021).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings

from caredesk.core import signed_links
from caredesk.core.signed_links import BadLink

SALT = "caredesk.resolutions.answer"
Purpose = Literal["yes", "no"]
PURPOSES: tuple[Purpose, ...] = ("yes", "no")
KEYS = ("r", "t", "c")

__all__ = ["PURPOSES", "SALT", "Answer", "BadLink", "answer_url", "make_token", "read_token"]


@dataclass(frozen=True)
class Answer:
    resolution_id: int
    ticket_id: int
    customer_id: int
    purpose: Purpose


def max_age_seconds() -> int:
    return int(settings.CAREDESK_RESOLUTION_LINK_DAYS) * 86400


def make_token(resolution_id: int, ticket_id: int, customer_id: int, purpose: Purpose) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    ids = {"r": resolution_id, "t": ticket_id, "c": customer_id}
    return signed_links.make(SALT, ids, purpose)


def answer_url(resolution_id: int, ticket_id: int, customer_id: int, purpose: Purpose) -> str:
    token = make_token(resolution_id, ticket_id, customer_id, purpose)
    return f"{settings.SITE_URL}/portal/solved/{purpose}/{token}/"


def read_token(token: str, purpose: str) -> Answer:
    """The answer a valid, unexpired token of ``purpose`` carries; :class:`BadLink` else."""
    ids = signed_links.read(
        token, salt=SALT, purpose=purpose, purposes=PURPOSES, keys=KEYS, max_age=max_age_seconds()
    )
    return Answer(ids["r"], ids["t"], ids["c"], "yes" if purpose == "yes" else "no")
