"""An automation's conditions: checked on input, matched purely (``now`` passed in).

Every condition that is set must hold. Stored as a plain dict on the automation
(``Automation.conditions``); :func:`check` turns what a form or the API sent into that
dict or refuses it with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from caredesk.core.errors import DomainError
from caredesk.customers.models import Tier
from caredesk.sla.calendar import Calendar, is_open, parse_hhmm
from caredesk.tickets.actions import normalize_tags
from caredesk.tickets.models import Channel, Priority, Status

MAX_WORDS = 20
MAX_WORD = 60
MAX_TAGS = 20
MAX_TEAMS = 50
ASSIGNED = ("", "yes", "no")
HOURS = ("", "open", "closed")


@dataclass(frozen=True)
class Conditions:
    channels: list[str] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    tags_all: list[str] = field(default_factory=list)  # the case has every one
    tags_none: list[str] = field(default_factory=list)  # the case has none of them
    words: list[str] = field(default_factory=list)  # any of them in the subject or message
    assigned: str = ""  # "yes" / "no" / "" (either)
    business_hours: str = ""  # "open" / "closed" in the case's calendar / "" (either)
    time_from: str = ""  # "HH:MM" in the case's calendar's zone
    time_to: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", [])}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conditions:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def needs_clock(self) -> bool:
        return bool(self.business_hours or self.time_from)


def _refuse(message: str, code: str = "invalid_condition") -> DomainError:
    return DomainError(message, code=code)


def _choices(values: Sequence[Any], allowed: Sequence[str], what: str) -> list[str]:
    result: list[str] = []
    for raw in values:
        value = str(raw).strip()
        if value not in allowed:
            shown = value[:40]
            raise _refuse(f"Unknown {what} “{shown}”; choose from: {', '.join(allowed)}.")
        if value not in result:
            result.append(value)
    return result


def _words(values: Sequence[Any]) -> list[str]:
    result: list[str] = []
    for raw in values:
        word = " ".join(str(raw).split()).lower()
        if not word:
            continue
        if len(word) > MAX_WORD:
            raise _refuse(f"A word to look for is too long (limit {MAX_WORD} characters).")
        if "\x00" in word:
            raise _refuse("A word to look for contains a NUL character.")
        if word not in result:
            result.append(word)
    if len(result) > MAX_WORDS:
        raise _refuse(f"At most {MAX_WORDS} words to look for.")
    return result


def _tags(values: Sequence[Any]) -> list[str]:
    if len(values) > MAX_TAGS:
        raise _refuse(f"At most {MAX_TAGS} tags in a condition.")
    try:
        return normalize_tags(str(v) for v in values)
    except DomainError as error:
        raise _refuse(error.message) from None


def _hhmm(value: str, what: str) -> str:
    if not value:
        return ""
    try:
        minutes = parse_hhmm(value)
    except ValueError:
        raise _refuse(f"{what} must be a time like 09:00.") from None
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = [v for v in value.replace("\n", ",").split(",")]
    if not isinstance(value, list | tuple):
        raise _refuse(f"The condition {name} must be a list.")
    return list(value)


def check(data: Mapping[str, Any], *, team_ids: set[int] | None = None) -> Conditions:
    """Conditions as stored, or a refusal. ``team_ids``: the teams that exist."""
    unknown = set(data) - set(Conditions.__dataclass_fields__)
    if unknown:
        raise _refuse(f"Unknown condition “{sorted(unknown)[0][:40]}”.")
    teams: list[int] = []
    for raw in _list(data, "team_ids")[: MAX_TEAMS + 1]:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise _refuse("A team in the conditions is not a team id.") from None
        if team_ids is not None and pk not in team_ids:
            raise _refuse(f"There is no team with id {pk}.", code="unknown_team")
        if pk not in teams:
            teams.append(pk)
    if len(teams) > MAX_TEAMS:
        raise _refuse(f"At most {MAX_TEAMS} teams in a condition.")
    assigned = str(data.get("assigned") or "")
    if assigned not in ASSIGNED:
        raise _refuse("“Assigned” must be yes, no or empty.")
    hours = str(data.get("business_hours") or "")
    if hours not in HOURS:
        raise _refuse("“Business hours” must be open, closed or empty.")
    time_from = _hhmm(str(data.get("time_from") or ""), "“From” time")
    time_to = _hhmm(str(data.get("time_to") or ""), "“To” time")
    if bool(time_from) != bool(time_to):
        raise _refuse("Give both times of the time-of-day window, or neither.")
    if time_from and time_from == time_to:
        raise _refuse("The time-of-day window must not start and end at the same time.")
    tags_all = _tags(_list(data, "tags_all"))
    tags_none = _tags(_list(data, "tags_none"))
    if set(tags_all) & set(tags_none):
        raise _refuse("A tag cannot be both required and excluded.")
    return Conditions(
        channels=_choices(_list(data, "channels"), Channel.values, "channel"),
        team_ids=teams,
        priorities=_choices(_list(data, "priorities"), Priority.values, "priority"),
        statuses=_choices(_list(data, "statuses"), Status.values, "status"),
        tiers=_choices(_list(data, "tiers"), Tier.values, "tier"),
        tags_all=tags_all,
        tags_none=tags_none,
        words=_words(_list(data, "words")),
        assigned=assigned,
        business_hours=hours,
        time_from=time_from,
        time_to=time_to,
    )


@dataclass(frozen=True)
class Facts:
    """What the conditions look at on one case, read once."""

    channel: str
    team_id: int | None
    priority: str
    status: str
    tier: str
    tags: frozenset[str]
    text: str  # subject, original words and the new message, lower case
    assigned: bool
    calendar: Calendar | None = None  # None: the desk is always open (in UTC)


def _in_window(cond: Conditions, cal: Calendar, now: datetime) -> bool:
    local = now.astimezone(cal.tz)
    minute = local.hour * 60 + local.minute
    start, end = parse_hhmm(cond.time_from), parse_hhmm(cond.time_to)
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # a window over midnight (22:00-06:00)


def refusal(cond: Conditions, facts: Facts, now: datetime) -> str | None:
    """Why the case does not match (the first condition that fails), or None: it does."""
    if cond.channels and facts.channel not in cond.channels:
        return f"channel is {facts.channel}"
    if cond.team_ids and facts.team_id not in cond.team_ids:
        return "team does not match"
    if cond.priorities and facts.priority not in cond.priorities:
        return f"priority is {facts.priority}"
    if cond.statuses and facts.status not in cond.statuses:
        return f"status is {facts.status}"
    if cond.tiers and facts.tier not in cond.tiers:
        return f"customer tier is {facts.tier}"
    missing = [t for t in cond.tags_all if t not in facts.tags]
    if missing:
        return f"tag {missing[0]} missing"
    present = [t for t in cond.tags_none if t in facts.tags]
    if present:
        return f"tag {present[0]} present"
    if cond.words and not any(w in facts.text for w in cond.words):
        return "none of the words found"
    if cond.assigned == "yes" and not facts.assigned:
        return "unassigned"
    if cond.assigned == "no" and facts.assigned:
        return "assigned"
    cal = facts.calendar or Calendar.always_open("UTC")
    if cond.business_hours:
        open_now = is_open(cal, now)
        if open_now != (cond.business_hours == "open"):
            return "inside business hours" if open_now else "outside business hours"
    if cond.time_from and not _in_window(cond, cal, now):
        return f"outside {cond.time_from}-{cond.time_to}"
    return None
