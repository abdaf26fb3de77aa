"""Macros through the API: list, read, create, change and delete them (the same rules as
the management page), and preview or apply one on a case (the same action as the reply
box picker). Staff tokens only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import Team, User
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import (
    Body,
    ErrorOut,
    FieldValue,
    Id,
    InSchema,
    PatchSchema,
    Ref,
    TagName,
    _Clean,
)
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.macros import actions, rules, selectors
from caredesk.macros.models import Macro
from caredesk.macros.validation import MacroData
from caredesk.tickets.access import access_ticket

router = Router(tags=["macros"])
case_router = Router(tags=["macros"])

Title = Annotated[str, StringConstraints(max_length=500), _Clean]
Short = Annotated[str, StringConstraints(max_length=40), _Clean]
PromiseText = Annotated[str, StringConstraints(max_length=2000), _Clean]
Tags = Annotated[list[TagName], Field(max_length=50)]
FieldsIn = Annotated[
    dict[Annotated[str, StringConstraints(max_length=40)], FieldValue],
    Field(max_length=20, description="Custom case fields to set: key -> value (null clears)."),
]


class MacroOut(Schema):
    id: int
    title: str
    scope: str
    team: Ref | None
    owner: Ref | None
    body: str
    set_status: str
    set_priority: str
    set_team: Ref | None
    assign_to_me: bool
    set_assignee: Ref | None
    add_tags: list[str]
    remove_tags: list[str]
    promise_kind: str
    promise_text: str
    promise_due_minutes: int | None
    active: bool
    set_fields: dict[str, FieldValue]
    use_count: int
    last_used_at: datetime | None
    can_edit: bool


class MacroList(Schema):
    items: list[MacroOut]


class MacroIn(InSchema):
    title: Title
    scope: Short = "personal"
    team_id: Id | None = None
    body: Body = ""
    set_status: Short = ""
    set_priority: Short = ""
    set_team_id: Id | None = None
    assign_to_me: bool = False
    set_assignee_id: Id | None = None
    add_tags: Tags = []
    remove_tags: Tags = []
    promise_kind: Short = ""
    promise_text: PromiseText = ""
    promise_due_minutes: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    active: bool = True
    set_fields: FieldsIn = {}


class MacroPatchIn(PatchSchema):
    NOT_NULL = ("title", "scope", "body", "active", "assign_to_me")
    title: Title | None = None
    scope: Short | None = None
    team_id: Id | None = None
    body: Body | None = None
    set_status: Short | None = None
    set_priority: Short | None = None
    set_team_id: Id | None = None
    assign_to_me: bool | None = None
    set_assignee_id: Id | None = None
    add_tags: Tags | None = None
    remove_tags: Tags | None = None
    promise_kind: Short | None = None
    promise_text: PromiseText | None = None
    promise_due_minutes: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    active: bool | None = None
    set_fields: FieldsIn | None = None


class PreviewOut(Schema):
    macro_id: int
    text: str
    changes: list[str]


class RefusedOut(Schema):
    step: str
    label: str
    reason: str


class AppliedOut(Schema):
    macro_id: int
    case_id: int
    use_id: int
    text: str
    done: list[str]
    refused: list[RefusedOut]


def _ref(obj: Team | User | None) -> Ref | None:
    if obj is None:
        return None
    name = obj.name if isinstance(obj, Team) else obj.display_name
    return Ref(id=obj.pk, name=name)


def _out(macro: Macro, user: User) -> MacroOut:
    return MacroOut(
        id=macro.pk,
        title=macro.title,
        scope=macro.scope,
        team=_ref(macro.team),
        owner=_ref(macro.owner),
        body=macro.body,
        set_status=macro.set_status,
        set_priority=macro.set_priority,
        set_team=_ref(macro.set_team),
        assign_to_me=macro.assign_to_me,
        set_assignee=_ref(macro.set_assignee),
        add_tags=list(macro.add_tags or []),
        remove_tags=list(macro.remove_tags or []),
        promise_kind=macro.promise_kind,
        promise_text=macro.promise_text,
        promise_due_minutes=macro.promise_due_minutes,
        active=macro.active,
        set_fields=dict(macro.set_fields or {}),
        use_count=macro.use_count,
        last_used_at=macro.last_used_at,
        can_edit=rules.may_edit(user, macro),
    )


def _listed(user: User, macro_id: int) -> Macro:
    macro = rules.listed_macros(user).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound("No such macro.")
    return macro


def _team(team_id: int | None, field: str) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ApiError(
            422,
            f"There is no team with id {team_id}.",
            code="unknown_team",
            details={"field": field},
        )
    return team


def _user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise ApiError(422, f"There is no staff member with id {user_id}.", code="unknown_user")
    return found


def _data(fields: dict[str, Any], base: MacroData | None = None) -> MacroData:
    values = dict(fields)
    relations = {"team_id": "team", "set_team_id": "set_team"}
    for key, name in relations.items():
        if key in values:
            values[name] = _team(values.pop(key), key)
    if "set_assignee_id" in values:
        values["set_assignee"] = _user(values.pop("set_assignee_id"))
    for name in ("set_status", "set_priority", "promise_kind", "promise_text"):
        if name in values and values[name] is None:
            values[name] = ""
    for name in ("add_tags", "remove_tags"):
        if name in values and values[name] is None:
            values[name] = []
    if "set_fields" in values and values["set_fields"] is None:
        values["set_fields"] = {}
    if base is None:
        return MacroData(**values)
    return replace(base, **values)


def _as_data(macro: Macro) -> MacroData:
    return MacroData(
        title=macro.title,
        scope=macro.scope,
        team=macro.team,
        body=macro.body,
        set_status=macro.set_status,
        set_priority=macro.set_priority,
        set_team=macro.set_team,
        assign_to_me=macro.assign_to_me,
        set_assignee=macro.set_assignee,
        add_tags=list(macro.add_tags or []),
        remove_tags=list(macro.remove_tags or []),
        promise_kind=macro.promise_kind,
        promise_text=macro.promise_text,
        promise_due_minutes=macro.promise_due_minutes,
        active=macro.active,
        set_fields=dict(macro.set_fields or {}),
    )


@router.get("", response={200: MacroList, ERROR_CODES: ErrorOut})
def list_macros(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Words in the title or reply text"),
    usable: bool = Query(False, description="Only the active macros you may apply"),
) -> MacroList:
    """The macros you use or manage (the management page's list). With ``usable=true``
    or a search ``q``: only the active ones the reply box picker offers you, most used
    first (at most 100)."""
    user = require_staff(request)
    if usable or q:
        rows = selectors.search(user, q, limit=100)
    else:
        rows = list(rules.listed_macros(user).order_by("scope", "title", "id")[:500])
    return MacroList(items=[_out(m, user) for m in rows])


@router.post("", response={201: MacroOut, ERROR_CODES: ErrorOut})
def create_macro(request: HttpRequest, payload: MacroIn, response: HttpResponse) -> Status[Any]:
    """Create a macro. Agents create personal ones; leads, managers and admins also
    shared ones (``scope`` ``team`` with ``team_id``, or ``global``). Unknown
    placeholders, template tags and oversized text are refused with the reason."""
    user = require_staff(request)

    def create() -> tuple[int, MacroOut]:
        macro = actions.do_create_macro(actor=user, data=_data(payload.dict()), now=clock.now())
        return 201, _out(_listed(user, macro.pk), user)

    return idempotent(request, response, create)


@router.get("/{macro_id}", response={200: MacroOut, ERROR_CODES: ErrorOut})
def get_macro(request: HttpRequest, macro_id: int) -> MacroOut:
    user = require_staff(request)
    return _out(_listed(user, macro_id), user)


@router.patch("/{macro_id}", response={200: MacroOut, ERROR_CODES: ErrorOut})
def update_macro(request: HttpRequest, macro_id: int, payload: MacroPatchIn) -> MacroOut:
    """Change the fields given; the others stay as they are. Null clears an optional
    change (``set_team_id``, ``set_assignee_id``, ``promise_*``…)."""
    user = require_staff(request)
    macro = _listed(user, macro_id)
    fields = payload.dict(exclude_unset=True)
    for name in MacroPatchIn.NOT_NULL:
        if name in fields and fields[name] is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    data = _data(fields, _as_data(macro))
    actions.do_update_macro(actor=user, macro=macro, data=data, now=clock.now())
    return _out(_listed(user, macro_id), user)


@router.delete("/{macro_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_macro(request: HttpRequest, macro_id: int) -> Status[None]:
    """Delete a macro you manage. The case history of where it was used stays."""
    user = require_staff(request)
    actions.do_delete_macro(actor=user, macro=_listed(user, macro_id), now=clock.now())
    return Status(204, None)


@case_router.get(
    "/{case_id}/macros/{macro_id}/preview", response={200: PreviewOut, ERROR_CODES: ErrorOut}
)
def preview_macro(request: HttpRequest, case_id: int, macro_id: int) -> PreviewOut:
    """The reply text the macro would insert on this case, and the changes it would
    make; nothing changes."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    macro = selectors.usable(user, macro_id)
    shown = selectors.preview_macro(user, ticket, macro, clock.now())
    return PreviewOut(macro_id=macro.pk, text=shown.text, changes=shown.changes)


@case_router.post(
    "/{case_id}/macros/{macro_id}/apply", response={200: AppliedOut, ERROR_CODES: ErrorOut}
)
def apply_macro(
    request: HttpRequest, case_id: int, macro_id: int, response: HttpResponse
) -> Status[Any]:
    """Apply the macro: each of its changes through the same action and checks as the
    case page (``done``), those refused with the reason (``refused``), and the rendered
    reply text to edit and send with ``POST /cases/{id}/messages``. Counted as a use.
    Send an ``Idempotency-Key`` header to make a retry safe (applied once)."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    macro = selectors.usable(user, macro_id)

    def run() -> tuple[int, AppliedOut]:
        applied = actions.do_apply_macro(user, ticket, macro, clock.now())
        return 200, AppliedOut(
            macro_id=macro.pk,
            case_id=ticket.pk,
            use_id=applied.use.pk,
            text=applied.text,
            done=applied.done,
            refused=[RefusedOut(**r) for r in applied.refused],
        )

    return idempotent(request, response, run)
