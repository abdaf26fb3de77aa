"""Custom fields through the API: their definitions (admins change them, staff read the
ones they see) and the values of a case, customer or organization — the same actions
and checks as the /fields/ pages (``caredesk.customfields``). Staff tokens only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import User
from caredesk.channels.api.auth import require_admin, require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.routers.config_common import patch_changes
from caredesk.channels.api.schemas import ErrorOut, FieldValue, Id, InSchema, PatchSchema, _Clean
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.customers.models import Customer, Organization
from caredesk.customfields import actions, rules, selectors
from caredesk.customfields.models import FieldDefinition
from caredesk.customfields.validation import DefinitionData, as_json
from caredesk.tickets.access import access_ticket

router = Router(tags=["fields"])

Short = Annotated[str, StringConstraints(max_length=300), _Clean]
Target = Literal["case", "customer", "organization"]
Kind = Literal["text", "number", "date", "select", "multiselect", "checkbox"]


class FieldDefinitionOut(Schema):
    id: int
    key: str
    target: str
    label: str
    kind: str
    options: list[str]
    help_text: str
    public: bool
    team_ids: list[int] = Field(description="Empty: every team sees the field.")
    required_on: list[str]
    position: int
    is_active: bool
    updated_at: datetime


class FieldDefinitionList(Schema):
    items: list[FieldDefinitionOut]


class FieldDefinitionIn(InSchema):
    key: Short = Field(description="1-40 of a-z, 0-9, _; never changes.")
    target: Target
    label: Short
    kind: Kind
    options: Annotated[list[Short], Field(max_length=200)] = []
    help_text: Short = ""
    public: bool = False
    team_ids: Annotated[list[Id], Field(max_length=200)] = []
    required_on: Annotated[list[Short], Field(max_length=10)] = []
    position: int = Field(0, ge=0, le=10_000)


class FieldDefinitionPatchIn(PatchSchema):
    NOT_NULL = ("label", "options", "help_text", "public", "team_ids", "required_on", "position")
    label: Short | None = None
    options: Annotated[list[Short], Field(max_length=200)] | None = None
    help_text: Short | None = None
    public: bool | None = None
    team_ids: Annotated[list[Id], Field(max_length=200)] | None = None
    required_on: Annotated[list[Short], Field(max_length=10)] | None = None
    position: int | None = Field(None, ge=0, le=10_000)


class FieldValuesIn(InSchema):
    fields: dict[Annotated[str, StringConstraints(max_length=40)], FieldValue] = Field(
        max_length=100,
        description="Field key → new value (null clears); fields left out are kept.",
    )


class FieldValuesOut(Schema):
    target: str
    id: int
    fields: dict[str, FieldValue]


def _out(d: FieldDefinition) -> FieldDefinitionOut:
    return FieldDefinitionOut(
        id=d.pk,
        key=d.key,
        target=d.target,
        label=d.label,
        kind=d.kind,
        options=d.options,
        help_text=d.help_text,
        public=d.public,
        team_ids=sorted(t.pk for t in d.teams.all()),
        required_on=d.required_on,
        position=d.position,
        is_active=d.is_active,
        updated_at=d.updated_at,
    )


def _definition(user: User, field_id: int) -> FieldDefinition:
    d = FieldDefinition.objects.prefetch_related("teams").filter(pk=field_id).first()
    if d is None or not (rules.may_define(user) or rules.sees(user, d, rules.team_ids(user))):
        raise NotFound("No such field.")
    return d


@router.get("", response={200: FieldDefinitionList, ERROR_CODES: ErrorOut})
def list_field_definitions(request: HttpRequest) -> FieldDefinitionList:
    """Admins: every field, retired ones too. Other staff: the active fields they see."""
    user = require_staff(request)
    if rules.may_define(user):
        defs = list(FieldDefinition.objects.prefetch_related("teams"))
    else:
        defs = [
            d
            for target in ("case", "customer", "organization")
            for d in selectors.visible_definitions(user, target)
        ]
    return FieldDefinitionList(items=[_out(d) for d in defs])


@router.get("/{field_id}", response={200: FieldDefinitionOut, ERROR_CODES: ErrorOut})
def get_field_definition(request: HttpRequest, field_id: Id) -> FieldDefinitionOut:
    return _out(_definition(require_staff(request), field_id))


@router.post("", response={201: FieldDefinitionOut, ERROR_CODES: ErrorOut})
def create_field_definition(
    request: HttpRequest, payload: FieldDefinitionIn, response: HttpResponse
) -> Status[Any]:
    """Admins: a new field. 422 names the refused part (``details``)."""
    user = require_admin(request)

    def create() -> tuple[int, FieldDefinitionOut]:
        d = actions.do_define_field(
            actor=user, data=DefinitionData(**payload.model_dump()), now=clock.now()
        )
        return 201, _out(_definition(user, d.pk))

    return idempotent(request, response, create)


@router.patch("/{field_id}", response={200: FieldDefinitionOut, ERROR_CODES: ErrorOut})
def update_field_definition(
    request: HttpRequest, field_id: Id, payload: FieldDefinitionPatchIn
) -> FieldDefinitionOut:
    """Admins: change what was sent. The key, target and type never change."""
    user = require_admin(request)
    d = _definition(user, field_id)
    current: dict[str, Any] = {
        "key": d.key,
        "target": d.target,
        "label": d.label,
        "kind": d.kind,
        "options": d.options,
        "help_text": d.help_text,
        "public": d.public,
        "team_ids": [t.pk for t in d.teams.all()],
        "required_on": d.required_on,
        "position": d.position,
    }
    current.update(patch_changes(payload))
    actions.do_change_field(
        actor=user, definition=d, data=DefinitionData(**current), now=clock.now()
    )
    return _out(_definition(user, d.pk))


@router.post("/{field_id}/retire", response={200: FieldDefinitionOut, ERROR_CODES: ErrorOut})
def retire_field_definition(request: HttpRequest, field_id: Id) -> FieldDefinitionOut:
    """Admins: hide the field everywhere; its values and key stay."""
    user = require_admin(request)
    d = actions.do_retire_field(actor=user, definition=_definition(user, field_id), now=clock.now())
    return _out(_definition(user, d.pk))


def _object(user: User, target: str, object_id: int) -> Any:
    if target == "case":
        return access_ticket(user, object_id)
    model: type[Customer] | type[Organization] = Customer if target == "customer" else Organization
    found = model.objects.filter(pk=object_id).first()
    if found is None:
        raise NotFound(f"No such {target}.")
    return found


@router.patch("/values/{target}/{object_id}", response={200: FieldValuesOut, ERROR_CODES: ErrorOut})
def set_field_values(
    request: HttpRequest, target: Target, object_id: Id, payload: FieldValuesIn
) -> FieldValuesOut:
    """Set custom fields of a case, customer or organization (one audit event, old ->
    new). 422 names the refused field: wrong type, unknown option, too long, a field
    this staff member does not see, or one required while the case is in its status."""
    user = require_staff(request)
    obj = _object(user, target, object_id)
    actions.do_set_field_values(obj, actor=user, values=payload.fields, now=clock.now())
    defs = selectors.visible_definitions(user, target)
    values = selectors.values_of(defs, [obj.pk]).get(obj.pk, {})
    return FieldValuesOut(
        target=target, id=obj.pk, fields={d.key: as_json(values.get(d.key)) for d in defs}
    )
