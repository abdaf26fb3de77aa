"""Business calendars: leads and above read them, admins change them (as in the admin
pages). A change recomputes the SLA deadlines and queue keys of the open cases on the
calendar, time already spent staying counted under the old hours."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.channels.api.auth import require_admin, require_lead
from caredesk.channels.api.config_schemas import (
    CalendarCreateIn,
    CalendarOut,
    CalendarPage,
    CalendarPatchIn,
    ClosedDateIn,
    ClosedDateOut,
    WorkingHoursIn,
    WorkingHoursOut,
)
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.routers.config_common import id_page, patch_changes
from caredesk.channels.api.schemas import ErrorOut
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.sla import config_actions
from caredesk.sla.config_actions import ClosedSpec, HoursSpec
from caredesk.sla.models import BusinessCalendar

router = Router(tags=["calendars"])


def _hhmm(value: Any, *, end: bool) -> str:
    text = f"{value:%H:%M}"
    return "24:00" if end and text == "00:00" else text


def calendar_out(cal: BusinessCalendar) -> CalendarOut:
    return CalendarOut(
        id=cal.pk,
        name=cal.name,
        time_zone=cal.time_zone,
        always_open=cal.always_open,
        holiday_country=cal.holiday_country,
        holiday_subdivision=cal.holiday_subdivision,
        description=cal.description,
        hours=[
            WorkingHoursOut(
                weekday=h.weekday, start=_hhmm(h.start, end=False), end=_hhmm(h.end, end=True)
            )
            for h in cal.hours.all()
        ],
        closed_dates=[ClosedDateOut(date=d.date, reason=d.reason) for d in cal.closed_dates.all()],
        updated_at=cal.updated_at,
    )


def _calendars() -> Any:
    return BusinessCalendar.objects.prefetch_related("hours", "closed_dates")


def _calendar(calendar_id: int) -> BusinessCalendar:
    found = _calendars().filter(pk=calendar_id).first()
    if found is None:
        raise NotFound("No such calendar.")
    return found


def _hours(rows: list[WorkingHoursIn]) -> list[HoursSpec]:
    return [HoursSpec(h.weekday, h.start, h.end) for h in rows]


def _closed(rows: list[ClosedDateIn]) -> list[ClosedSpec]:
    return [ClosedSpec(d.date, d.reason) for d in rows]


@router.get("", response={200: CalendarPage, ERROR_CODES: ErrorOut})
def list_calendars(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> CalendarPage:
    """Leads, managers and admins: every business calendar with its hours and closed dates."""
    require_lead(request)
    rows, next_cursor = id_page(_calendars(), cursor, limit)
    return CalendarPage(items=[calendar_out(c) for c in rows], next_cursor=next_cursor)


@router.get("/{calendar_id}", response={200: CalendarOut, ERROR_CODES: ErrorOut})
def get_calendar(request: HttpRequest, calendar_id: int) -> CalendarOut:
    require_lead(request)
    return calendar_out(_calendar(calendar_id))


@router.post("", response={201: CalendarOut, ERROR_CODES: ErrorOut})
def create_calendar(
    request: HttpRequest, payload: CalendarCreateIn, response: HttpResponse
) -> Status[Any]:
    """Admins: a new calendar. 422 names the field: a time zone that does not exist, a
    time that is not HH:MM, an interval that ends before it starts or overlaps another
    on the same weekday, an unknown holiday region; 409 for a name in use."""
    user = require_admin(request)

    def create() -> tuple[int, CalendarOut]:
        cal = config_actions.do_create_calendar(
            actor=user,
            now=clock.now(),
            name=payload.name,
            time_zone=payload.time_zone,
            always_open=payload.always_open,
            holiday_country=payload.holiday_country,
            holiday_subdivision=payload.holiday_subdivision,
            description=payload.description,
            hours=_hours(payload.hours),
            closed_dates=_closed(payload.closed_dates),
        )
        return 201, calendar_out(_calendar(cal.pk))

    return idempotent(request, response, create)


@router.patch("/{calendar_id}", response={200: CalendarOut, ERROR_CODES: ErrorOut})
def update_calendar(
    request: HttpRequest, calendar_id: int, payload: CalendarPatchIn
) -> CalendarOut:
    """Admins: change a calendar (``hours`` and ``closed_dates`` replace the lists). The
    open cases on it get new SLA deadlines and queue keys."""
    user = require_admin(request)
    cal = _calendar(calendar_id)
    changes = patch_changes(payload)
    if "hours" in changes:
        changes["hours"] = _hours(payload.hours or [])
    if "closed_dates" in changes:
        changes["closed_dates"] = _closed(payload.closed_dates or [])
    config_actions.do_update_calendar(cal, actor=user, now=clock.now(), **changes)
    return calendar_out(_calendar(calendar_id))


@router.delete("/{calendar_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_calendar(request: HttpRequest, calendar_id: int) -> Status[None]:
    """Admins: remove a calendar that no SLA policy uses (409 ``calendar_in_use``)."""
    user = require_admin(request)
    config_actions.do_delete_calendar(_calendar(calendar_id), actor=user, now=clock.now())
    return Status(204, None)
