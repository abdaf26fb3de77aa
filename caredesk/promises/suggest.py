"""Realistic due times (P2): what the team's own history says such promises take.

The suggestion is the 85th percentile of how long kept promises of the same kind took in
the same team over the last 90 days, measured in the team's business time when an SLA
business calendar applies to the team. With fewer than ``MIN_SAMPLE`` kept promises it
says so instead of guessing. Pure maths on a bounded sample; ``now`` is passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext

from caredesk.accounts.models import Team
from caredesk.promises.models import Promise
from caredesk.promises.wording import desk_zone, duration_words, when_words
from caredesk.sla.calendar import (
    Calendar,
    CalendarError,
    add_business_seconds,
    business_seconds_between,
    require_aware,
)
from caredesk.sla.engine import calendar_for
from caredesk.sla.selectors import team_calendar_row

PERCENTILE = 0.85
WINDOW = timedelta(days=90)
MIN_SAMPLE = 10
MAX_SAMPLE = 2000


@dataclass(frozen=True)
class Suggestion:
    sample: int
    # None when there is not enough history.
    seconds: int | None = None
    business: bool = False
    due_at: datetime | None = None

    @property
    def enough(self) -> bool:
        return self.seconds is not None and self.due_at is not None

    def text(self, zone_due: str = "") -> str:
        if not self.enough:
            return gettext(
                "Not enough history to suggest a due time (%(sample)d kept in the last "
                "90 days; %(needed)d needed)."
            ) % {"sample": self.sample, "needed": MIN_SAMPLE}
        assert self.seconds is not None
        span = duration_words(self.seconds)
        if self.business:
            span = gettext("%(span)s of business time") % {"span": span}
        text = gettext(
            "This team keeps %(share)s of such promises within %(span)s "
            "(%(sample)d kept in the last 90 days)."
        ) % {"share": "85%", "span": span, "sample": self.sample}
        if zone_due:
            text += " " + gettext("Realistic: %(when)s.") % {"when": zone_due}
        return text


def team_calendar(team: Team | None) -> Calendar | None:
    row = team_calendar_row(team)
    if row is None:
        return None
    try:
        cal = calendar_for(row)
    except CalendarError:
        return None
    return None if cal.is_always_open else cal


def percentile(values: list[int], share: float) -> int:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def durations(team: Team | None, kind: str, now: datetime) -> list[tuple[datetime, datetime]]:
    qs = Promise.objects.filter(
        team=team, kind=kind, kept_at__isnull=False, kept_at__gte=now - WINDOW, kept_at__lte=now
    )
    rows = qs.order_by("-kept_at").values_list("created_at", "kept_at")[:MAX_SAMPLE]
    return [(made, kept) for made, kept in rows if kept is not None]


def suggest_due(team: Team | None, kind: str, now: datetime) -> Suggestion:
    require_aware(now, "now")
    pairs = durations(team, kind, now)
    if len(pairs) < MIN_SAMPLE:
        return Suggestion(sample=len(pairs))
    cal = team_calendar(team)
    if cal is not None:
        took = [business_seconds_between(cal, a, b) for a, b in pairs]
        seconds = percentile(took, PERCENTILE)
        try:
            due = add_business_seconds(cal, now, seconds)
        except CalendarError:
            due = now + timedelta(seconds=seconds)
        return Suggestion(sample=len(pairs), seconds=seconds, business=True, due_at=due)
    took = [max(0, int((b - a).total_seconds())) for a, b in pairs]
    seconds = percentile(took, PERCENTILE)
    return Suggestion(sample=len(pairs), seconds=seconds, due_at=now + timedelta(seconds=seconds))


def realism_warning(team: Team | None, kind: str, due: datetime, now: datetime) -> str:
    """A warning (never a refusal) when ``due`` is faster than the team usually delivers."""
    suggestion = suggest_due(team, kind, now)
    if not suggestion.enough or suggestion.due_at is None or due >= suggestion.due_at:
        return ""
    return gettext("This is faster than the team usually keeps such promises: %(why)s") % {
        "why": suggestion.text(when_words(suggestion.due_at, desk_zone(team)))
    }
