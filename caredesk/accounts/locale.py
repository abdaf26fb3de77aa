"""Staff pages in the staff member's own language and time zone (ADR 0036,
docs/languages.md).

The browser's Accept-Language is never read for staff: a signed-in staff member gets
``User.language`` (else the desk's ``LANGUAGE_CODE``) and ``User.time_zone`` (else
``TIME_ZONE``). The API keeps English and answers in UTC offsets, whoever calls it; the
portal and help centre set their own language afterwards (PortalLanguageMiddleware).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

SKIPPED = ("/api/",)


def staff_language(user: object) -> str:
    code = getattr(user, "language", "") or ""
    offered = [c for c, _ in settings.LANGUAGES]
    return code if code in offered else str(settings.LANGUAGE_CODE)


def staff_time_zone(user: object) -> zoneinfo.ZoneInfo | None:
    name = getattr(user, "time_zone", "") or ""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class StaffLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(SKIPPED):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_agent_staff", False):
            return self.get_response(request)
        language = staff_language(user)
        zone = staff_time_zone(user) or timezone.get_default_timezone()
        with translation.override(language), timezone.override(zone):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
