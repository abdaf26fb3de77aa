"""Signed one-click rating links of the satisfaction survey: one per rating.

The one link mechanism (``caredesk.core.signed_links``) with the survey's own salt: a
"good" token never works as "bad", nor as an "Is this solved?" answer. Links expire
``CAREDESK_CSAT_LINK_DAYS`` after they were made.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from caredesk.core import signed_links
from caredesk.core.signed_links import BadLink

SALT = "caredesk.feedback.csat"
RATINGS = ("good", "neutral", "bad")
KEYS = ("s", "t", "c")

__all__ = ["RATINGS", "BadLink", "RatingLink", "make_token", "rating_url", "read_token"]


@dataclass(frozen=True)
class RatingLink:
    survey_id: int
    ticket_id: int
    customer_id: int
    rating: str


def max_age_seconds() -> int:
    return int(settings.CAREDESK_CSAT_LINK_DAYS) * 86400


def make_token(survey_id: int, ticket_id: int, customer_id: int, rating: str) -> str:
    if rating not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    return signed_links.make(SALT, {"s": survey_id, "t": ticket_id, "c": customer_id}, rating)


def rating_url(survey_id: int, ticket_id: int, customer_id: int, rating: str) -> str:
    token = make_token(survey_id, ticket_id, customer_id, rating)
    return f"{settings.SITE_URL}/feedback/rate/{rating}/{token}/"


def read_token(token: str, rating: str) -> RatingLink:
    """The survey a valid, unexpired token of ``rating`` is for; :class:`BadLink` else."""
    ids = signed_links.read(
        token, salt=SALT, purpose=rating, purposes=RATINGS, keys=KEYS, max_age=max_age_seconds()
    )
    return RatingLink(ids["s"], ids["t"], ids["c"], rating)
