"""One way to show a moment on the customer's side: ``{% load times %}``, then
``{{ value|local_time }}`` (day and time) or ``{{ value|local_day }}`` (the day).

English keeps the desk's short form ("3 Dec 2026, 14:05"); the other languages use
Django's own formats of the active language ("3. Dezember 2026 14:05"), with month
names translated. In the site's time zone, like Django's ``date`` filter.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

register = template.Library()

ENGLISH_MOMENT = "j M Y, H:i"
ENGLISH_DAY = "j M Y"


def _local(value: date) -> date:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def moment_text(value: date | None) -> str:
    if value is None or value == "":
        return ""
    english = (get_language() or "en").split("-")[0] == "en"
    fmt = ENGLISH_MOMENT if english else "DATETIME_FORMAT"
    if not isinstance(value, datetime):
        fmt = ENGLISH_DAY if english else "DATE_FORMAT"
    return formats.date_format(_local(value), fmt)


def day_text(value: date | None) -> str:
    if value is None or value == "":
        return ""
    english = (get_language() or "en").split("-")[0] == "en"
    return formats.date_format(_local(value), ENGLISH_DAY if english else "DATE_FORMAT")


@register.filter
def local_time(value: date | None) -> str:
    return moment_text(value)


@register.filter
def local_day(value: date | None) -> str:
    return day_text(value)
