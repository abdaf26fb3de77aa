"""Automations through the API: list, read, create, change, reorder and delete them (the
same rules as the Automations page: leads, managers and admins manage; agents read),
the dry run ("which open cases would this match now?") and the recent runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import User
from caredesk.automations import actions, rules, selectors, steps
from caredesk.automations.models import Automation
from caredesk.automations.validation import AutomationData
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import Body, ErrorOut, Id, InSchema, PatchSchema, _Clean
from caredesk.core import clock
from caredesk.core.errors import NotFound, PermissionDenied

router = Router(tags=["automations"])

Name = Annotated[str, StringConstraints(max_length=500), _Clean]
Short = Annotated[str, StringConstraints(max_length=60), _Clean]
Word = Annotated[str, StringConstraints(max_length=200), _Clean]
Shorts = Annotated[list[Short], Field(max_length=50)]


class ConditionsIn(InSchema):
    """Every condition given must hold; leave one out for "any"."""

    channels: Shorts = []
    team_ids: Annotated[list[Id], Field(max_length=50)] = []
    priorities: Shorts = []
    statuses: Shorts = []
    tiers: Shorts = []
    tags_all: Shorts = Field([], description="The case has every one of these tags.")
    tags_none: Shorts = Field([], description="The case has none of these tags.")
    words: Annotated[list[Word], Field(max_length=50)] = Field(
        [], description="Any of them in the subject, the original words or the new message."
    )
    assigned: Literal["", "yes", "no"] = ""
    business_hours: Literal["", "open", "closed"] = Field(
        "", description="Inside or outside the open hours of the case's calendar."
    )
    time_from: Short = Field("", description="HH:MM in the case's calendar's zone.")
    time_to: Short = ""


class ActionIn(InSchema):
    kind: Literal[
        "assign",
        "status",
        "priority",
        "add_tags",
        "remove_tags",
        "macro",
        "notify",
        "mail",
        "webhook",
    ]
    user_id: Id | None = Field(None, description="assign; notify with to=user")
    team_id: Id | None = Field(None, description="assign")
    value: Short = Field("", description="status or priority")
    tags: Shorts = Field([], description="add_tags / remove_tags")
    macro_id: Id | None = Field(None, description="macro: a shared macro's case changes")
    endpoint_id: Id | None = Field(None, description="webhook: an active webhook endpoint")
    to: Literal["", "assignee", "team_lead", "user"] = Field("", description="notify")
    text: Body = Field("", description="notify: the notice's text")
    body: Body = Field("", description="mail: the text, with the macros' placeholders")


class ActionOut(Schema):
    kind: str
    summary: str
    user_id: int | None = None
    team_id: int | None = None
    value: str = ""
    tags: list[str] = []
    macro_id: int | None = None
    endpoint_id: int | None = None
    to: str = ""
    text: str = ""
    body: str = ""


class AutomationOut(Schema):
    id: int
    name: str
    position: int
    active: bool
    trigger: str
    events: list[str]
    time_state: str
    time_status: str
    time_minutes: int | None
    time_business: bool
    conditions: dict[str, Any]
    actions: list[ActionOut]
    run_count: int
    last_run_at: datetime | None
    can_edit: bool


class AutomationList(Schema):
    items: list[AutomationOut]


Minutes = Annotated[int, Field(ge=1, le=366 * 24 * 60)]


class AutomationIn(InSchema):
    name: Name
    trigger: Literal["event", "time"] = "event"
    events: Shorts = Field([], description="Event automations: the case events followed.")
    time_state: Literal["", "status", "unassigned"] = ""
    time_status: Short = ""
    time_minutes: Minutes | None = None
    time_business: bool = False
    conditions: ConditionsIn | None = None
    actions: Annotated[list[ActionIn], Field(max_length=20)]
    active: bool = True


class AutomationPatchIn(PatchSchema):
    NOT_NULL = ("name", "trigger", "events", "conditions", "actions", "active")
    name: Name | None = None
    trigger: Literal["event", "time"] | None = None
    events: Shorts | None = None
    time_state: Literal["", "status", "unassigned"] | None = None
    time_status: Short | None = None
    time_minutes: Minutes | None = None
    time_business: bool | None = None
    conditions: ConditionsIn | None = None
    actions: Annotated[list[ActionIn], Field(max_length=20)] | None = None
    active: bool | None = None


class MoveIn(InSchema):
    position: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="1 puts it first; past the end puts it last."
    )


class CaseOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    priority: str


class DryRunOut(Schema):
    automation_id: int
    count: int = Field(description="Open cases the conditions match (see exact).")
    exact: bool = Field(
        description="False: hours or time-of-day conditions were checked on the first "
        "500 cases only, so count is an upper bound."
    )
    cases: list[CaseOut] = Field(description="The first 50, most recently updated first.")


class RunOut(Schema):
    id: int
    case_id: int
    case_reference: str
    at: datetime
    cause: str
    outcome: str
    done: list[str]
    refused: list[dict[str, str]]


class RunList(Schema):
    items: list[RunOut]


def _action_out(step: dict[str, Any]) -> ActionOut:
    fields = {k: v for k, v in step.items() if k in ActionOut.model_fields and v is not None}
    return ActionOut(**{**fields, "summary": steps.describe(step)})


def _out(a: Automation, user: User) -> AutomationOut:
    return AutomationOut(
        id=a.pk,
        name=a.name,
        position=a.position,
        active=a.active,
        trigger=a.trigger,
        events=list(a.events),
        time_state=a.time_state,
        time_status=a.time_status,
        time_minutes=a.time_minutes,
        time_business=a.time_business,
        conditions=dict(a.conditions),
        actions=[_action_out(s) for s in a.actions],
        run_count=a.run_count,
        last_run_at=a.last_run_at,
        can_edit=rules.can_manage(user),
    )


def _get(user: User, automation_id: int) -> Automation:
    if not rules.can_see(user):
        raise PermissionDenied("Only staff see automations.")
    found = selectors.listed().filter(pk=automation_id).first()
    if found is None:
        raise NotFound("No such automation.")
    return found


def _steps(items: list[ActionIn]) -> list[dict[str, Any]]:
    return [item.dict() for item in items]


def _data(fields: dict[str, Any], base: AutomationData | None = None) -> AutomationData:
    values = dict(fields)
    if "conditions" in values:
        values["conditions"] = {
            k: v for k, v in (values["conditions"] or {}).items() if v not in ("", [])
        }
    for name in ("time_state", "time_status"):
        if name in values and values[name] is None:
            values[name] = ""
    if "time_business" in values and values["time_business"] is None:
        values["time_business"] = False
    if base is None:
        return AutomationData(**values)
    return replace(base, **values)


def _as_data(a: Automation) -> AutomationData:
    return AutomationData(
        name=a.name,
        trigger=a.trigger,
        events=list(a.events),
        time_state=a.time_state,
        time_status=a.time_status,
        time_minutes=a.time_minutes,
        time_business=a.time_business,
        conditions=dict(a.conditions),
        actions=list(a.actions),
        active=a.active,
    )


@router.get("", response={200: AutomationList, ERROR_CODES: ErrorOut})
def list_automations(request: HttpRequest) -> AutomationList:
    """Every automation, in the order they run (at most 500)."""
    user = require_staff(request)
    return AutomationList(items=[_out(a, user) for a in selectors.listed()[:500]])


@router.post("", response={201: AutomationOut, ERROR_CODES: ErrorOut})
def create_automation(
    request: HttpRequest, payload: AutomationIn, response: HttpResponse
) -> Status[Any]:
    """Create an automation (leads, managers and admins). It runs after the others.
    Unknown events, conditions or actions, template tags, unknown placeholders and
    oversized text are refused with the reason."""
    user = require_staff(request)

    def create() -> tuple[int, AutomationOut]:
        data = _data({**payload.dict(), "actions": _steps(payload.actions)})
        automation = actions.do_create_automation(actor=user, data=data, now=clock.now())
        return 201, _out(_get(user, automation.pk), user)

    return idempotent(request, response, create)


@router.get("/{automation_id}", response={200: AutomationOut, ERROR_CODES: ErrorOut})
def get_automation(request: HttpRequest, automation_id: int) -> AutomationOut:
    user = require_staff(request)
    return _out(_get(user, automation_id), user)


@router.patch("/{automation_id}", response={200: AutomationOut, ERROR_CODES: ErrorOut})
def update_automation(
    request: HttpRequest, automation_id: int, payload: AutomationPatchIn
) -> AutomationOut:
    """Change the fields given; the others stay as they are (``active`` switches it on
    or off)."""
    user = require_staff(request)
    automation = _get(user, automation_id)
    fields = payload.dict(exclude_unset=True)
    for name in AutomationPatchIn.NOT_NULL:
        if name in fields and fields[name] is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    if payload.actions is not None:
        fields["actions"] = _steps(payload.actions)
    now = clock.now()
    if set(fields) == {"active"}:
        actions.do_set_automation_active(
            actor=user, automation=automation, active=bool(fields["active"]), now=now
        )
    else:
        data = _data(fields, _as_data(automation))
        actions.do_update_automation(actor=user, automation=automation, data=data, now=now)
    return _out(_get(user, automation_id), user)


@router.post("/{automation_id}/move", response={200: AutomationList, ERROR_CODES: ErrorOut})
def move_automation(request: HttpRequest, automation_id: int, payload: MoveIn) -> AutomationList:
    """Put the automation at ``position`` in the running order; returns the new order."""
    user = require_staff(request)
    automation = _get(user, automation_id)
    rows = actions.do_move_automation(
        actor=user, automation=automation, position=payload.position, now=clock.now()
    )
    return AutomationList(items=[_out(a, user) for a in rows])


@router.delete("/{automation_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_automation(request: HttpRequest, automation_id: int) -> Status[None]:
    """Delete an automation. The case timelines keep what it did."""
    user = require_staff(request)
    actions.do_delete_automation(actor=user, automation=_get(user, automation_id), now=clock.now())
    return Status(204, None)


@router.get("/{automation_id}/dry-run", response={200: DryRunOut, ERROR_CODES: ErrorOut})
def dry_run_automation(request: HttpRequest, automation_id: int) -> DryRunOut:
    """Which open cases would this automation's conditions match now? Changes nothing."""
    user = require_staff(request)
    automation = _get(user, automation_id)
    found = selectors.dry_run(automation, clock.now())
    return DryRunOut(
        automation_id=automation.pk,
        count=found.count,
        exact=found.exact,
        cases=[
            CaseOut(
                id=t.pk,
                reference=t.reference,
                subject=t.subject,
                status=t.status,
                priority=t.priority,
            )
            for t in found.cases
        ],
    )


@router.get("/{automation_id}/runs", response={200: RunList, ERROR_CODES: ErrorOut})
def list_automation_runs(request: HttpRequest, automation_id: int) -> RunList:
    """The automation's last 50 runs, newest first."""
    user = require_staff(request)
    automation = _get(user, automation_id)
    return RunList(
        items=[
            RunOut(
                id=r.pk,
                case_id=r.ticket_id,
                case_reference=r.ticket.reference,
                at=r.at,
                cause=r.cause,
                outcome=r.outcome,
                done=list(r.done),
                refused=list(r.refused),
            )
            for r in selectors.recent_runs(automation)
        ]
    )
