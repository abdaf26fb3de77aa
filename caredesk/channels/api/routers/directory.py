"""Desk configuration for leads, managers and admins: business calendars, SLA policies,
tier rules, staff and API tokens (read only; admins change them in the admin pages)."""

from __future__ import annotations

from datetime import date, time

from django.http import HttpRequest
from ninja import Router, Schema

from caredesk.accounts.models import ROLE_LEVEL, STAFF_ROLES, ApiToken, Role, User
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.routers.me import StaffOut, TokenOut, staff_out, token_out
from caredesk.channels.api.schemas import ErrorOut
from caredesk.core.errors import PermissionDenied
from caredesk.sla.models import BusinessCalendar, SlaPolicy, TierRule

router = Router(tags=["configuration"])


class HoursOut(Schema):
    weekday: int
    start: time
    end: time


class ClosedDateOut(Schema):
    date: date
    reason: str


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    always_open: bool
    holiday_country: str
    holiday_subdivision: str
    hours: list[HoursOut]
    closed_dates: list[ClosedDateOut]


class SlaPolicyOut(Schema):
    id: int
    name: str
    is_active: bool
    order: int
    calendar_id: int
    team_id: int | None = None
    priority: str
    tier: str
    channel: str
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_at_percent: int


class TierRuleOut(Schema):
    tier: str
    weight: float
    max_wait_minutes: int | None = None


def require_lead(request: HttpRequest) -> User:
    user = require_staff(request)
    if ROLE_LEVEL[Role(user.role)] < ROLE_LEVEL[Role.LEAD]:
        raise PermissionDenied(
            "Leads, managers and admins see the desk's configuration.", code="leads_only"
        )
    return user


@router.get("/calendars", response={200: list[CalendarOut], ERROR_CODES: ErrorOut})
def list_calendars(request: HttpRequest) -> list[CalendarOut]:
    require_lead(request)
    rows = BusinessCalendar.objects.prefetch_related("hours", "closed_dates").order_by("name")
    return [
        CalendarOut(
            id=c.pk,
            name=c.name,
            time_zone=c.time_zone,
            always_open=c.always_open,
            holiday_country=c.holiday_country,
            holiday_subdivision=c.holiday_subdivision,
            hours=[HoursOut(weekday=h.weekday, start=h.start, end=h.end) for h in c.hours.all()],
            closed_dates=[
                ClosedDateOut(date=d.date, reason=d.reason) for d in c.closed_dates.all()
            ],
        )
        for c in rows[:200]
    ]


@router.get("/sla-policies", response={200: list[SlaPolicyOut], ERROR_CODES: ErrorOut})
def list_sla_policies(request: HttpRequest) -> list[SlaPolicyOut]:
    """In the order they are tried; the first match wins."""
    require_lead(request)
    return [
        SlaPolicyOut(
            id=p.pk,
            name=p.name,
            is_active=p.is_active,
            order=p.order,
            calendar_id=p.calendar_id,
            team_id=p.team_id,
            priority=p.priority,
            tier=p.tier,
            channel=p.channel,
            first_response_minutes=p.first_response_minutes,
            next_response_minutes=p.next_response_minutes,
            resolution_minutes=p.resolution_minutes,
            warn_at_percent=p.warn_at_percent,
        )
        for p in SlaPolicy.objects.order_by("order", "id")[:500]
    ]


@router.get("/tier-rules", response={200: list[TierRuleOut], ERROR_CODES: ErrorOut})
def list_tier_rules(request: HttpRequest) -> list[TierRuleOut]:
    """How the fair queue weighs each tier, and its maximum wait."""
    require_lead(request)
    return [
        TierRuleOut(tier=r.tier, weight=r.weight, max_wait_minutes=r.max_wait_minutes)
        for r in TierRule.objects.order_by("tier")
    ]


@router.get("/staff", response={200: list[StaffOut], ERROR_CODES: ErrorOut})
def list_staff(request: HttpRequest) -> list[StaffOut]:
    """Everyone who works cases, active or not."""
    require_lead(request)
    rows = User.objects.filter(role__in=STAFF_ROLES).order_by("name", "id")[:1000]
    return [staff_out(u) for u in rows]


@router.get("/tokens", response={200: list[TokenOut], ERROR_CODES: ErrorOut})
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    """Every API token's name, owner and use (never the secret), newest first."""
    require_lead(request)
    return [token_out(t) for t in ApiToken.objects.order_by("-created_at", "-id")[:500]]
