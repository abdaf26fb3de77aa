"""What happened to a case after it was resolved: pure functions, ``now`` passed in.

The loader (``caredesk.reports.care``) reads the facts of a few cases from their rows and
audit log into :class:`CaseFacts`; everything here is arithmetic on those facts, so the
definitions in docs/reports.md are this file, and the tests can try them with any clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from caredesk.reports.similarity import similar

FOLLOW_UP_WINDOW = timedelta(days=7)  # reopen / new case after a resolution
SIMILAR_WINDOW = timedelta(days=30)  # a new case on a similar topic
# Rows older than this are final: every FCR decision in them has been made.
SETTLE_DAYS = FOLLOW_UP_WINDOW.days + 1


class Fcr(StrEnum):
    YES = "yes"
    NO = "no"
    PENDING = "pending"


@dataclass(frozen=True)
class CaseFacts:
    id: int
    customer_id: int
    created_at: datetime
    # Status history from the audit log: when the case went from open to resolved/closed,
    # and when it went from resolved/closed back to open.
    resolutions: tuple[datetime, ...] = ()
    reopens: tuple[datetime, ...] = ()
    # Times of public replies by staff (system replies and customer messages excluded).
    agent_replies: tuple[datetime, ...] = ()
    terms: Counter[str] = field(default_factory=Counter)
    # The case this one follows up (a later ``Ticket.follow_up_of``); None: not known.
    follow_up_of: int | None = None

    @property
    def first_resolution(self) -> datetime | None:
        return self.resolutions[0] if self.resolutions else None


def is_follow_up(case: CaseFacts, earlier: CaseFacts) -> bool:
    """THE PLUG-IN POINT for confirmed resolutions: is ``case`` a follow-up of ``earlier``?

    Today: the same customer opened ``case`` within 7 days after ``earlier`` was first
    resolved. When cases carry ``Ticket.follow_up_of`` (a reply to a closed case opens a
    linked follow-up), the loader fills ``CaseFacts.follow_up_of`` and this also answers
    yes for an explicit link, whoever opened it and whenever.
    """
    if case.id == earlier.id:
        return False
    if case.follow_up_of is not None and case.follow_up_of == earlier.id:
        return True
    resolved = earlier.first_resolution
    if resolved is None or case.customer_id != earlier.customer_id:
        return False
    return resolved < case.created_at <= resolved + FOLLOW_UP_WINDOW


def fcr(case: CaseFacts, others: Sequence[CaseFacts], now: datetime) -> Fcr | None:
    """First-contact resolution of a case (None: not resolved yet).

    Yes: resolved with exactly one agent public reply, not reopened and not followed up
    within 7 days of its first resolution. No: as soon as one of those fails. Pending:
    until the 7 days have passed.
    """
    resolved = case.first_resolution
    if resolved is None:
        return None
    replies = sum(1 for t in case.agent_replies if t <= resolved)
    if replies != 1 or was_reopened(case):
        return Fcr.NO
    if any(is_follow_up(other, case) for other in others):
        return Fcr.NO
    return Fcr.PENDING if now < resolved + FOLLOW_UP_WINDOW else Fcr.YES


def was_reopened(case: CaseFacts) -> bool:
    """Reopened within 7 days of its first resolution."""
    resolved = case.first_resolution
    if resolved is None:
        return False
    return any(resolved < t <= resolved + FOLLOW_UP_WINDOW for t in case.reopens)


def is_repeat_contact(case: CaseFacts, others: Sequence[CaseFacts]) -> bool:
    """The customer came back: ``case`` is a new case within 7 days after a resolution of
    another of their cases (any topic), or within 30 days after another of their cases
    opened on a similar topic (subject and first message, ``similarity.SIMILAR_AT``)."""
    for other in others:
        if other.id == case.id or other.customer_id != case.customer_id:
            continue
        if other.created_at > case.created_at or (
            other.created_at == case.created_at and other.id > case.id
        ):
            continue  # only earlier cases make this one a repeat
        if is_follow_up(case, other):
            return True
        if any(t < case.created_at <= t + FOLLOW_UP_WINDOW for t in other.resolutions):
            return True
        if case.created_at - other.created_at <= SIMILAR_WINDOW and similar(
            case.terms, other.terms
        ):
            return True
    return False
