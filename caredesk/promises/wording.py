"""Promises in words, for customers and agents: "call you back by Friday 27 November at 15:00"."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team
from caredesk.promises.models import Kind
from caredesk.sla.selectors import team_calendar_row

# What the customer reads after "We will …".
# Whole sentences per kind (word order differs between languages); %(when)s is when_words().
KIND_SENTENCES = {
    Kind.CALLBACK: _("Our promise: we will call you back by %(when)s. (%(text)s)"),
    Kind.UPDATE: _("Our promise: we will send you an update by %(when)s. (%(text)s)"),
    Kind.FIX: _("Our promise: we will fix this by %(when)s. (%(text)s)"),
    Kind.DELIVERY: _("Our promise: we will deliver by %(when)s. (%(text)s)"),
    Kind.REFUND: _("Our promise: we will refund you by %(when)s. (%(text)s)"),
    Kind.RETURN: _("Our promise: we will take the return by %(when)s. (%(text)s)"),
    Kind.EXCHANGE: _("Our promise: we will exchange it by %(when)s. (%(text)s)"),
    Kind.EXCEPTION: _("Our promise: we will make the exception by %(when)s. (%(text)s)"),
    Kind.OTHER: _("Our promise: we will get this done by %(when)s. (%(text)s)"),
}


def desk_zone(team: Team | None) -> zoneinfo.ZoneInfo:
    """The time zone customers are told times in: the team's business calendar, else the desk's."""
    row = team_calendar_row(team)
    name = row.time_zone if row is not None else settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def when_words(at: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``Friday 27 November 2026 at 15:00 (Europe/Berlin)``."""
    local = at.astimezone(zone)
    # Translators: a date format of Django's date filter (l: weekday, j: day, F: month).
    day = date_format(local, gettext("l j F Y"))
    words = gettext("%(day)s at %(time)s (%(zone)s)")
    return words % {"day": day, "time": f"{local:%H:%M}", "zone": zone.key}


def promise_sentence(
    kind: str, text: str, due: datetime, zone: zoneinfo.ZoneInfo, language: str | None = None
) -> str:
    """The sentence that confirms a promise to the customer, in words (in ``language``,
    the customer's, when given; else the active one)."""
    with translation.override(language or translation.get_language()):
        sentence = KIND_SENTENCES.get(Kind(kind) if kind in Kind.values else Kind.OTHER)
        return str(sentence) % {"when": when_words(due, zone), "text": text}


def duration_words(seconds: float) -> str:
    """``2 days 3 hours`` / ``45 minutes``: the two largest units."""
    seconds = max(0, int(seconds))
    delta = timedelta(seconds=seconds)
    days, rest = delta.days, delta.seconds
    hours, minutes = rest // 3600, (rest % 3600) // 60
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    if not parts:
        return gettext("under a minute")
    return " ".join(parts[:2])
