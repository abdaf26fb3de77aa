"""Request and response bodies of the configuration endpoints: calendars, SLA policies,
tier rules, teams, staff and API tokens. Write schemas are allow-lists
(``extra="forbid"``); PATCH bodies leave out what stays as it is."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from caredesk.channels.api.schemas import Email, Id, InSchema, Note, PatchSchema, Ref, _Clean
from caredesk.customers.models import Tier
from caredesk.sla.models import BoundClock
from caredesk.tickets.models import Channel, Priority

Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100), _Clean]
Text150 = Annotated[str, StringConstraints(min_length=1, max_length=150), _Clean]
HHMM = Annotated[
    str,
    StringConstraints(max_length=5),
    _Clean,
    Field(description='"HH:MM"; an end of "24:00" (or "00:00") is midnight at the end of the day.'),
]
TimeZone = Annotated[
    str, StringConstraints(min_length=1, max_length=64), _Clean, Field(examples=["Europe/Berlin"])
]
Country = Annotated[str, StringConstraints(max_length=3), _Clean]
Subdivision = Annotated[str, StringConstraints(max_length=10), _Clean]
Reason = Annotated[str, StringConstraints(max_length=200), _Clean]
Slug = Annotated[str, StringConstraints(max_length=60), _Clean]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128), _Clean]
Minutes = Annotated[int, Field(ge=1, le=525_600)]
Order = Annotated[int, Field(ge=0, le=2**31 - 1)]
Percent = Annotated[int, Field(ge=1, le=99)]
Weight = Annotated[float, Field(ge=0.05, le=20)]
StaffRole = Literal["agent", "lead", "manager", "admin"]
AnyPriority = Priority | Literal[""]
AnyTier = Tier | Literal[""]
AnyChannel = Channel | Literal[""]


# --- calendars ------------------------------------------------------------------------


class WorkingHoursIn(InSchema):
    weekday: int = Field(ge=0, le=6, description="0 is Monday, 6 Sunday.")
    start: HHMM
    end: HHMM


class WorkingHoursOut(Schema):
    weekday: int
    start: str
    end: str


class ClosedDateIn(InSchema):
    date: date
    reason: Reason = ""


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
    description: str
    hours: list[WorkingHoursOut]
    closed_dates: list[ClosedDateOut]
    updated_at: datetime


class CalendarPage(Schema):
    items: list[CalendarOut]
    next_cursor: str | None = None


class CalendarCreateIn(InSchema):
    name: Text100
    time_zone: TimeZone = "UTC"
    always_open: bool = Field(False, description="24/7: every hour counts, holidays included.")
    holiday_country: Country = Field("", description="ISO country for public holidays, e.g. DE.")
    holiday_subdivision: Subdivision = Field("", description="Optional region, e.g. BE.")
    description: Note = ""
    hours: list[WorkingHoursIn] = Field(default_factory=list, max_length=84)
    closed_dates: list[ClosedDateIn] = Field(default_factory=list, max_length=1000)


class CalendarPatchIn(PatchSchema):
    NOT_NULL = (
        "name",
        "time_zone",
        "always_open",
        "holiday_country",
        "holiday_subdivision",
        "description",
        "hours",
        "closed_dates",
    )
    name: Text100 | None = None
    time_zone: TimeZone | None = None
    always_open: bool | None = None
    holiday_country: Country | None = None
    holiday_subdivision: Subdivision | None = None
    description: Note | None = None
    hours: list[WorkingHoursIn] | None = Field(
        None, max_length=84, description="Replaces all working hours."
    )
    closed_dates: list[ClosedDateIn] | None = Field(
        None, max_length=1000, description="Replaces all closed dates."
    )


# --- SLA policies ---------------------------------------------------------------------


class SlaPolicyOut(Schema):
    id: int
    name: str
    is_active: bool
    order: int
    calendar: Ref
    team: Ref | None = None
    priority: str
    tier: str
    channel: str
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_at_percent: int


class SlaPolicyPage(Schema):
    items: list[SlaPolicyOut]
    next_cursor: str | None = None


class SlaPolicyCreateIn(InSchema):
    name: Text100
    calendar_id: Id
    is_active: bool = True
    order: Order = Field(100, description="Tried lowest first; the first match wins.")
    team_id: Id | None = Field(None, description="Only cases of this team; null for any.")
    priority: AnyPriority = Field("", description="Only this priority; empty for any.")
    tier: AnyTier = Field("", description="Only this tier; empty for any.")
    channel: AnyChannel = Field("", description="Only this channel; empty for any.")
    first_response_minutes: Minutes | None = Field(None, description="Business minutes.")
    next_response_minutes: Minutes | None = Field(None, description="Business minutes.")
    resolution_minutes: Minutes | None = Field(None, description="Business minutes.")
    warn_at_percent: Percent = 75


class SlaPolicyPatchIn(PatchSchema):
    NOT_NULL = (
        "name",
        "calendar_id",
        "is_active",
        "order",
        "priority",
        "tier",
        "channel",
        "warn_at_percent",
    )
    name: Text100 | None = None
    calendar_id: Id | None = None
    is_active: bool | None = Field(None, description="false retires the policy.")
    order: Order | None = None
    team_id: Id | None = Field(None, description="null: any team.")
    priority: AnyPriority | None = None
    tier: AnyTier | None = None
    channel: AnyChannel | None = None
    first_response_minutes: Minutes | None = Field(None, description="null: no target.")
    next_response_minutes: Minutes | None = Field(None, description="null: no target.")
    resolution_minutes: Minutes | None = Field(None, description="null: no target.")
    warn_at_percent: Percent | None = None


# --- tier rules -----------------------------------------------------------------------


class TierRuleOut(Schema):
    tier: str
    weight: float
    max_wait_minutes: int | None = None
    bound_clock: str
    bound_label: str = Field(description='How the bound reads, e.g. "4 business hours".')


class TierRulePage(Schema):
    items: list[TierRuleOut]
    next_cursor: str | None = Field(None, description="Always null: one rule per tier.")


class TierRuleIn(InSchema):
    weight: Weight = Field(1.0, description="Below 1 makes the tier's cases more urgent.")
    max_wait_minutes: Minutes | None = Field(None, description="null: no bound.")
    bound_clock: BoundClock = Field(
        BoundClock.BUSINESS, description="business: the case's calendar; wall: round the clock."
    )


# --- teams ----------------------------------------------------------------------------


class TeamCreateIn(InSchema):
    name: Text100
    slug: Slug = Field("", description="Made from the name when empty.")
    description: Note = ""
    lead_id: Id | None = None
    member_ids: list[Id] = Field(default_factory=list, max_length=500)


class TeamPatchIn(PatchSchema):
    NOT_NULL = ("name", "slug", "description", "member_ids")
    name: Text100 | None = None
    slug: Slug | None = None
    description: Note | None = None
    lead_id: Id | None = Field(None, description="null: no lead.")
    member_ids: list[Id] | None = Field(
        None, max_length=500, description="Replaces the members (the lead is always one)."
    )


# --- staff and tokens -----------------------------------------------------------------


class StaffPage(Schema):
    items: list[StaffMemberOut]
    next_cursor: str | None = None


class StaffMemberOut(Schema):
    id: int
    name: str
    email: str
    role: str
    is_active: bool
    is_away: bool
    open_cases: int = Field(description="Open cases assigned to this person.")


class StaffCreateIn(InSchema):
    email: Email
    name: Text150
    role: StaffRole = "agent"
    password: Password | None = Field(
        None,
        description="Optional; checked by the password rules. Without one the person cannot "
        "sign in until an admin sets it.",
    )


class StaffPatchIn(PatchSchema):
    NOT_NULL = ("name", "role")
    name: Text150 | None = None
    role: StaffRole | None = None


class TokenPage(Schema):
    items: list[TokenMetaOut]
    next_cursor: str | None = None


class TokenMetaOut(Schema):
    id: int
    name: str
    kind: str
    prefix: str
    owner: Ref
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


StaffPage.model_rebuild()
TokenPage.model_rebuild()
