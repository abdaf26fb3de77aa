"""Admins configure the SLA app through these functions (house rule 1): business
calendars with their hours and closed dates, SLA policies and tier rules. The Django
admin pages and ``/api/v1`` call the same ones (split from :mod:`caredesk.sla.actions`
by size, house rule 9).

Each validates its input (an :class:`~caredesk.core.errors.InvalidInput` naming the
field, a :class:`~caredesk.core.errors.Conflict` for a taken name), writes the change
and its audit event in one transaction, and carries it through to the open cases with
the recompute actions of :mod:`caredesk.sla.actions`: a calendar edit with
:func:`~caredesk.sla.actions.do_calendar_changed` (time already spent stays counted under
the old hours), a policy edit with :func:`~caredesk.sla.actions.do_policy_changed`, a tier
rule with :func:`~caredesk.sla.actions.do_tier_rule_changed`.
"""

from __future__ import annotations

import functools
import itertools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Final

from django.db import IntegrityError, transaction

from caredesk.accounts.actions import UNSET, Unset, clean_name, require_admin
from caredesk.accounts.models import Team, User
from caredesk.core.errors import Conflict, InvalidInput, NotFound
from caredesk.customers.models import Tier
from caredesk.sla import actions
from caredesk.sla.calendar import (
    MINUTES_PER_DAY,
    Calendar,
    CalendarError,
    check_holiday_region,
    parse_hhmm,
)
from caredesk.sla.models import (
    BoundClock,
    BusinessCalendar,
    ClosedDate,
    SlaPolicy,
    TierRule,
    WorkingHours,
)
from caredesk.tickets import audit
from caredesk.tickets.models import Channel, Priority

MAX_NAME: Final = 100
MAX_DESCRIPTION: Final = 5000
MAX_REASON: Final = 200
MAX_HOURS: Final = 7 * 12
MAX_CLOSED_DATES: Final = 1000
MAX_MINUTES: Final = 525_600


def _require_admin(actor: User | None) -> None:
    """A person must be an admin; ``None`` is caredesk itself (the demo and benchmark
    set-up), never a request."""
    if actor is not None:
        require_admin(actor)


# --- calendars ------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursSpec:
    """One working interval: weekday (Monday 0) and ``"HH:MM"`` times; end ``"24:00"``
    (or ``"00:00"``) is midnight at the end of the day."""

    weekday: int
    start: str
    end: str


@dataclass(frozen=True)
class ClosedSpec:
    date: date
    reason: str = ""


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise InvalidInput(
            f"{value[:64]!r} is not a time zone name such as Europe/Berlin.",
            field="time_zone",
            code="unknown_time_zone",
        )
    return value


def _check_region(country: str, subdivision: str) -> tuple[str, str]:
    country, subdivision = country.strip().upper(), subdivision.strip().upper()
    if subdivision and not country:
        raise InvalidInput(
            "A holiday region needs its country.", field="holiday_country", code="no_country"
        )
    if country:
        try:
            check_holiday_region(country, subdivision)
        except CalendarError as exc:
            raise InvalidInput(str(exc), field="holiday_country", code="unknown_region") from None
    return country, subdivision


def _minutes_to_time(minutes: int) -> time:
    return time(0, 0) if minutes == MINUTES_PER_DAY else time(minutes // 60, minutes % 60)


def check_hours(hours: Sequence[HoursSpec]) -> list[tuple[int, int, int]]:
    """``(weekday, start, end)`` in minutes, or an :class:`InvalidInput` naming the entry:
    times that are not HH:MM, an end before its start, overlapping intervals."""
    if len(hours) > MAX_HOURS:
        raise InvalidInput(f"At most {MAX_HOURS} working intervals.", field="hours")
    result: list[tuple[int, int, int]] = []
    for i, spec in enumerate(hours):
        if not 0 <= spec.weekday <= 6:
            raise InvalidInput(
                "The weekday is 0 (Monday) to 6 (Sunday).",
                field=f"hours.{i}.weekday",
                code="invalid_weekday",
            )
        values = []
        for name in ("start", "end"):
            try:
                values.append(parse_hhmm(getattr(spec, name)))
            except CalendarError as exc:
                raise InvalidInput(
                    str(exc), field=f"hours.{i}.{name}", code="invalid_time"
                ) from None
        start, end = values
        if end == 0:
            end = MINUTES_PER_DAY
        if start == MINUTES_PER_DAY or start >= end:
            raise InvalidInput(
                "The working interval must end after it starts.",
                field=f"hours.{i}.end",
                code="invalid_interval",
            )
        result.append((spec.weekday, start, end))
    by_day = sorted(range(len(result)), key=lambda i: result[i])
    for a, b in itertools.pairwise(by_day):
        if result[a][0] == result[b][0] and result[b][1] < result[a][2]:
            raise InvalidInput(
                f"Working intervals {hours[a].start}-{hours[a].end} and "
                f"{hours[b].start}-{hours[b].end} overlap on the same weekday.",
                field=f"hours.{b}",
                code="overlapping_hours",
            )
    return result


def _check_closed(closed: Sequence[ClosedSpec]) -> list[ClosedSpec]:
    if len(closed) > MAX_CLOSED_DATES:
        raise InvalidInput(f"At most {MAX_CLOSED_DATES} closed dates.", field="closed_dates")
    seen: set[date] = set()
    result = []
    for i, spec in enumerate(closed):
        if spec.date in seen:
            raise InvalidInput(
                f"{spec.date.isoformat()} is listed twice.",
                field=f"closed_dates.{i}.date",
                code="duplicate_date",
            )
        seen.add(spec.date)
        reason = " ".join(spec.reason.split())
        if len(reason) > MAX_REASON:
            raise InvalidInput(
                f"The reason is too long (limit {MAX_REASON}).",
                field=f"closed_dates.{i}.reason",
                code="too_long",
            )
        result.append(ClosedSpec(spec.date, reason))
    return result


def _description(value: str) -> str:
    if len(value) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description is too long (limit {MAX_DESCRIPTION:,}).",
            field="description",
            code="too_long",
        )
    return value.strip()


def calendar_view(cal: BusinessCalendar) -> dict[str, Any]:
    return {
        "calendar": cal.pk,
        "name": cal.name,
        "time_zone": cal.time_zone,
        "always_open": cal.always_open,
        "holiday_country": cal.holiday_country,
        "holiday_subdivision": cal.holiday_subdivision,
        "hours": [str(h) for h in cal.hours.all()],
        "closed_dates": [d.date.isoformat() for d in cal.closed_dates.all()],
    }


def _write_hours(cal: BusinessCalendar, hours: list[tuple[int, int, int]]) -> None:
    WorkingHours.objects.filter(calendar=cal).delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(
            calendar=cal, weekday=day, start=_minutes_to_time(start), end=_minutes_to_time(end)
        )
        for day, start, end in hours
    )


def _write_closed(cal: BusinessCalendar, closed: list[ClosedSpec]) -> None:
    ClosedDate.objects.filter(calendar=cal).delete()
    ClosedDate.objects.bulk_create(
        ClosedDate(calendar=cal, date=c.date, reason=c.reason) for c in closed
    )


def _check_calendar_name(name: str, exclude: int | None) -> str:
    name = clean_name(name, field="name", max_chars=MAX_NAME)
    others = BusinessCalendar.objects.exclude(pk=exclude) if exclude else BusinessCalendar.objects
    if others.filter(name__iexact=name).exists():
        raise Conflict(f"A calendar called “{name}” exists.", code="name_taken")
    return name


def do_create_calendar(
    *,
    actor: User | None,
    name: str,
    now: datetime,
    time_zone: str = "UTC",
    always_open: bool = False,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    description: str = "",
    hours: Sequence[HoursSpec] = (),
    closed_dates: Sequence[ClosedSpec] = (),
) -> BusinessCalendar:
    _require_admin(actor)
    zone = _check_time_zone(time_zone)
    country, subdivision = _check_region(holiday_country, holiday_subdivision)
    week = check_hours(hours)
    closed = _check_closed(closed_dates)
    text = _description(description)
    try:
        with transaction.atomic():
            cal = BusinessCalendar.objects.create(
                name=_check_calendar_name(name, None),
                time_zone=zone,
                always_open=always_open,
                holiday_country=country,
                holiday_subdivision=subdivision,
                description=text,
                updated_at=now,
            )
            _write_hours(cal, week)
            _write_closed(cal, closed)
            audit.record(None, actor, "sla_calendar_created", now=now, new=calendar_view(cal))
    except IntegrityError:
        raise Conflict(f"A calendar called “{name}” exists.", code="name_taken") from None
    return cal


def do_update_calendar(
    calendar: BusinessCalendar,
    *,
    actor: User | None,
    now: datetime,
    name: str | Unset = UNSET,
    time_zone: str | Unset = UNSET,
    always_open: bool | Unset = UNSET,
    holiday_country: str | Unset = UNSET,
    holiday_subdivision: str | Unset = UNSET,
    description: str | Unset = UNSET,
    hours: Sequence[HoursSpec] | Unset = UNSET,
    closed_dates: Sequence[ClosedSpec] | Unset = UNSET,
) -> BusinessCalendar:
    """Change a calendar; ``hours`` and ``closed_dates`` replace the lists. The open cases
    on it are recomputed (:func:`caredesk.sla.actions.do_calendar_changed`)."""
    _require_admin(actor)
    try:
        with transaction.atomic():
            cal = BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
            if cal is None:
                raise NotFound("No such calendar.")
            before = calendar_view(cal)
            try:
                old: Calendar | None = cal.to_calendar()
            except CalendarError:
                old = None
            if not isinstance(name, Unset):
                cal.name = _check_calendar_name(name, cal.pk)
            if not isinstance(time_zone, Unset):
                cal.time_zone = _check_time_zone(time_zone)
            if not isinstance(always_open, Unset):
                cal.always_open = always_open
            country = cal.holiday_country if isinstance(holiday_country, Unset) else holiday_country
            sub = (
                cal.holiday_subdivision
                if isinstance(holiday_subdivision, Unset)
                else holiday_subdivision
            )
            cal.holiday_country, cal.holiday_subdivision = _check_region(country, sub)
            if not isinstance(description, Unset):
                cal.description = _description(description)
            if not isinstance(hours, Unset):
                _write_hours(cal, check_hours(hours))
            if not isinstance(closed_dates, Unset):
                _write_closed(cal, _check_closed(closed_dates))
            cal.save()
            after = calendar_view(cal)
            if after != before:
                audit.record(None, actor, "sla_calendar_updated", now=now, old=before, new=after)
                actions.do_calendar_changed(cal, old, actor=actor, now=now)
    except IntegrityError:
        raise Conflict("A calendar with this name exists.", code="name_taken") from None
    return cal


def do_delete_calendar(calendar: BusinessCalendar, *, actor: User | None, now: datetime) -> None:
    """Remove a calendar no SLA policy uses (409 otherwise)."""
    _require_admin(actor)
    with transaction.atomic():
        cal = BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
        if cal is None:
            raise NotFound("No such calendar.")
        used = list(SlaPolicy.objects.filter(calendar=cal).values_list("name", flat=True)[:5])
        if used:
            raise Conflict(
                f"SLA policies use this calendar ({', '.join(used)}); "
                "give them another calendar first.",
                code="calendar_in_use",
            )
        audit.record(None, actor, "sla_calendar_deleted", now=now, old=calendar_view(cal))
        cal.delete()


# --- SLA policies ---------------------------------------------------------------------

POLICY_FIELDS: Final = (
    "name",
    "is_active",
    "order",
    "calendar_id",
    "team_id",
    "priority",
    "tier",
    "channel",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warn_at_percent",
)
# Changes to these decide which cases a policy applies to: every open case is recomputed.
_MATCHING: Final = {"is_active", "order", "team_id", "priority", "tier", "channel"}
_CHOICES: Final = {"priority": Priority.values, "tier": Tier.values, "channel": Channel.values}
_TARGETS: Final = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


def _policy_value(name: str, value: Any) -> Any:
    if name == "name":
        return clean_name(str(value), field="name", max_chars=MAX_NAME)
    if name == "calendar_id":
        if not BusinessCalendar.objects.filter(pk=value).exists():
            raise InvalidInput(
                f"There is no calendar with id {value}.", field=name, code="unknown_calendar"
            )
        return value
    if name == "team_id":
        if value is not None and not Team.objects.filter(pk=value).exists():
            raise InvalidInput(
                f"There is no team with id {value}.", field=name, code="unknown_team"
            )
        return value
    if name in _CHOICES:
        value = value or ""
        if value and value not in _CHOICES[name]:
            raise InvalidInput(
                f"{name} is one of {', '.join(_CHOICES[name])}, or empty for any.",
                field=name,
                code="invalid_choice",
            )
        return value
    if name in _TARGETS:
        if value is not None and not 1 <= value <= MAX_MINUTES:
            raise InvalidInput(
                f"{name} is 1 to {MAX_MINUTES:,} business minutes, or null for no target.",
                field=name,
                code="out_of_range",
            )
        return value
    if name == "warn_at_percent":
        if not 1 <= value <= 99:
            raise InvalidInput("warn_at_percent is 1 to 99.", field=name, code="out_of_range")
        return value
    if name == "order":
        if not 0 <= value < 2**31:
            raise InvalidInput("order is 0 or more.", field=name, code="out_of_range")
        return value
    return bool(value)


def policy_view(policy: SlaPolicy) -> dict[str, Any]:
    return {"policy": policy.pk, **{name: getattr(policy, name) for name in POLICY_FIELDS}}


def _save_policy(policy: SlaPolicy, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"not policy fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(policy, name, _policy_value(name, value))
    if not any(getattr(policy, name) for name in _TARGETS):
        raise InvalidInput(
            "Set at least one target (first response, next response or resolution).",
            field="first_response_minutes",
            code="no_target",
        )
    others = SlaPolicy.objects.exclude(pk=policy.pk) if policy.pk else SlaPolicy.objects
    if others.filter(name__iexact=policy.name).exists():
        raise Conflict(f"An SLA policy called “{policy.name}” exists.", code="name_taken")
    policy.save()


def do_create_policy(*, actor: User | None, now: datetime, **fields: Any) -> SlaPolicy:
    """A new policy (``POLICY_FIELDS``; ``name`` and ``calendar_id`` required). Every
    open case is recomputed: the new policy may now be the first that matches it."""
    _require_admin(actor)
    for required in ("name", "calendar_id"):
        if fields.get(required) is None:
            raise InvalidInput(f"{required} is required.", field=required, code="missing")
    try:
        with transaction.atomic():
            policy = SlaPolicy()
            _save_policy(policy, fields)
            audit.record(None, actor, "sla_policy_created", now=now, new=policy_view(policy))
            actions.do_policy_changed(None, actor=actor, now=now)
    except IntegrityError:
        raise Conflict("An SLA policy with this name exists.", code="name_taken") from None
    return policy


def do_update_policy(
    policy: SlaPolicy, *, actor: User | None, now: datetime, **changes: Any
) -> SlaPolicy:
    """Change a policy (``is_active=False`` retires it; policies are not deleted, cases
    keep pointing at the policy they ran under). A change of conditions, order or
    activity recomputes every open case, a change of targets or calendar the cases on it."""
    _require_admin(actor)
    try:
        with transaction.atomic():
            row = SlaPolicy.objects.select_for_update().filter(pk=policy.pk).first()
            if row is None:
                raise NotFound("No such SLA policy.")
            before = policy_view(row)
            _save_policy(row, changes)
            after = policy_view(row)
            changed = {k for k in POLICY_FIELDS if before[k] != after[k]}
            if changed:
                audit.record(None, actor, "sla_policy_updated", now=now, old=before, new=after)
                actions.do_policy_changed(
                    None if changed & _MATCHING else row, actor=actor, now=now
                )
    except IntegrityError:
        raise Conflict("An SLA policy with this name exists.", code="name_taken") from None
    return row


# --- tier rules -----------------------------------------------------------------------


def _rule_view(rule: TierRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "tier": rule.tier,
        "weight": rule.weight,
        "max_wait_minutes": rule.max_wait_minutes,
        "bound_clock": rule.bound_clock,
    }


def do_save_tier_rule(
    *,
    actor: User | None,
    now: datetime,
    tier: str,
    weight: float = 1.0,
    max_wait_minutes: int | None = None,
    bound_clock: str = BoundClock.BUSINESS,
) -> TierRule:
    """Set how the fair queue treats ``tier`` (create or replace its rule); the queue
    keys of its waiting cases are recomputed."""
    _require_admin(actor)
    if tier not in Tier.values:
        raise InvalidInput(f"Unknown tier {tier[:40]!r}.", field="tier", code="invalid_tier")
    if not 0.05 <= weight <= 20:
        raise InvalidInput(
            "weight is 0.05 to 20 (1 is neutral).", field="weight", code="out_of_range"
        )
    if max_wait_minutes is not None and not 1 <= max_wait_minutes <= MAX_MINUTES:
        raise InvalidInput(
            f"max_wait_minutes is 1 to {MAX_MINUTES:,}, or null for no bound.",
            field="max_wait_minutes",
            code="out_of_range",
        )
    if bound_clock not in BoundClock.values:
        raise InvalidInput(
            f"bound_clock is one of {', '.join(BoundClock.values)}.",
            field="bound_clock",
            code="invalid_choice",
        )
    with transaction.atomic():
        rule = TierRule.objects.select_for_update().filter(tier=tier).first()
        before = _rule_view(rule)
        rule = rule or TierRule(tier=tier)
        rule.weight, rule.max_wait_minutes, rule.bound_clock = weight, max_wait_minutes, bound_clock
        rule.save()
        if _rule_view(rule) != before:
            actions.do_tier_rule_changed(tier, actor=actor, now=now)
    return rule


def do_delete_tier_rule(*, actor: User | None, now: datetime, tier: str) -> None:
    """The tier goes back to the defaults (weight 1, no bound)."""
    _require_admin(actor)
    with transaction.atomic():
        deleted, _ = TierRule.objects.filter(tier=tier).delete()
        if not deleted:
            raise NotFound("This tier has no rule.")
        actions.do_tier_rule_changed(tier, actor=actor, now=now)
