"""Self-service requests (P15): request types (admins define them), the customer's one
step (customer tokens), and the outcome the business's system reports (staff tokens).
The same actions as the portal: a customer token reaches only its own records and
requests (anything else is 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.channels.api.auth import api_user, require_admin, require_staff, token_customer
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.schemas import ErrorOut, Id, InSchema, _Clean
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.policies.models import Policy
from caredesk.selfservice import actions, selectors
from caredesk.selfservice.models import (
    MAX_CONFIRMATION,
    MAX_NAME,
    RequestType,
    SelfServiceRequest,
)

router = Router(tags=["self-service"])

KindName = Literal["cancel_subscription", "change_delivery_slot", "return_line", "update_contact"]
RecordKind = Annotated[str, StringConstraints(max_length=32), _Clean]
DetailText = Annotated[str, StringConstraints(max_length=2000)]


class TypeOut(Schema):
    id: int
    name: str
    kind: str
    record_kinds: list[str]
    policy_id: int | None = None
    confirmation_text: str
    outcome_hours: int
    offer_retention: bool
    is_active: bool
    fields: dict[str, bool] = Field(description="What the customer fills in: field → required.")


class TypeIn(InSchema):
    name: Annotated[str, StringConstraints(max_length=MAX_NAME + 50), _Clean]
    kind: KindName
    record_kinds: list[RecordKind] = Field(default_factory=list, max_length=20)
    policy_id: Id | None = None
    confirmation_text: Annotated[str, StringConstraints(max_length=MAX_CONFIRMATION + 100)]
    outcome_hours: int = Field(48, ge=1, le=720)
    offer_retention: bool = False
    is_active: bool = True


class RequestIn(InSchema):
    type_id: Id
    record_id: Id | None = Field(None, description="Required when the type is about a record.")
    line_id: Id | None = Field(None, description="The order line, for a return.")
    details: dict[Annotated[str, StringConstraints(max_length=40)], DetailText] = Field(
        default_factory=dict,
        max_length=10,
        description="The type's fields (slot; phone, address) and an optional note.",
    )
    declined_offer_id: Id | None = Field(
        None,
        description="The retention offer shown with the cancellation: going on declines it.",
    )


class RecordRef(Schema):
    id: int
    kind: str
    external_id: str


class RequestOut(Schema):
    id: int
    type_id: int
    type_name: str
    kind: str
    customer_id: int
    record: RecordRef | None = None
    line_id: int | None = None
    details: dict[str, str]
    status: Literal["requested", "done", "failed"]
    reason: str
    requested_at: datetime
    outcome_at: datetime | None = None
    outcome_due_at: datetime | None = None
    case_id: int | None = Field(None, description="The case opened for staff, if any.")


class OutcomeIn(InSchema):
    outcome: Literal["done", "failed"]
    reason: Annotated[str, StringConstraints(max_length=5000)] = Field(
        "", description="Required for failed; the customer reads it (at most 500 characters)."
    )


class ListFilters(Schema):
    status: Literal["requested", "done", "failed"] | None = None
    customer_id: Id | None = Field(None, description="Staff tokens: one customer's requests.")


def _type_out(rt: RequestType) -> TypeOut:
    return TypeOut(
        id=rt.pk,
        name=rt.name,
        kind=rt.kind,
        record_kinds=list(rt.record_kinds),
        policy_id=rt.policy_id,
        confirmation_text=rt.confirmation_text,
        outcome_hours=rt.outcome_hours,
        offer_retention=rt.offer_retention,
        is_active=rt.is_active,
        fields=rt.fields,
    )


def _request_out(r: SelfServiceRequest) -> RequestOut:
    record = r.record
    return RequestOut(
        id=r.pk,
        type_id=r.type_id,
        type_name=r.type.name,
        kind=r.type.kind,
        customer_id=r.customer_id,
        record=(
            RecordRef(id=record.pk, kind=record.kind, external_id=record.external_id)
            if record is not None
            else None
        ),
        line_id=r.line_id,
        details={str(k): str(v) for k, v in r.details.items()},
        status=r.status,  # type: ignore[arg-type]
        reason=r.reason,
        requested_at=r.requested_at,
        outcome_at=r.outcome_at,
        outcome_due_at=r.outcome_due_at,
        case_id=r.ticket_id,
    )


@router.get("/types", response={200: list[TypeOut], ERROR_CODES: ErrorOut})
def list_selfservice_types(request: HttpRequest) -> list[TypeOut]:
    """The request types: active ones for customer tokens, all of them for staff."""
    user = api_user(request)
    if user.is_customer:
        return [_type_out(rt) for rt in selectors.active_types()]
    return [_type_out(rt) for rt in RequestType.objects.order_by("name")[:500]]


def _save_type(user: Any, rt: RequestType, payload: TypeIn) -> RequestType:
    policy = None
    if payload.policy_id is not None:
        policy = Policy.objects.filter(pk=payload.policy_id).first()
        if policy is None:
            raise ApiError(
                422, f"There is no policy with id {payload.policy_id}.", code="unknown_policy"
            )
    for name in ("name", "kind", "confirmation_text", "outcome_hours", "offer_retention"):
        setattr(rt, name, getattr(payload, name))
    rt.record_kinds = list(payload.record_kinds)
    rt.is_active = payload.is_active
    rt.policy = policy
    try:
        return actions.do_save_request_type(rt, actor=user, now=clock.now())
    except DomainError as error:
        if error.code == "invalid_type":
            raise ApiError(422, error.message, code="invalid_type", details=error.details) from None
        raise


@router.post("/types", response={201: TypeOut, ERROR_CODES: ErrorOut})
def create_selfservice_type(request: HttpRequest, payload: TypeIn) -> Status[Any]:
    """Define a request type (admins). 422 `invalid_type` with the field; 409 for a name in
    use."""
    user = require_admin(request)
    return Status(201, _type_out(_save_type(user, RequestType(), payload)))


@router.put("/types/{type_id}", response={200: TypeOut, ERROR_CODES: ErrorOut})
def update_selfservice_type(request: HttpRequest, type_id: Id, payload: TypeIn) -> TypeOut:
    """Change a request type (admins); switch one off with `is_active: false`."""
    user = require_admin(request)
    rt = RequestType.objects.filter(pk=type_id).first()
    if rt is None:
        raise NotFound("No such self-service request type.")
    return _type_out(_save_type(user, rt, payload))


def _visible(request: HttpRequest, request_id: int) -> SelfServiceRequest:
    user = api_user(request)
    rows = SelfServiceRequest.objects.select_related("type", "record")
    if user.is_customer:
        rows = rows.filter(customer=token_customer(request))
    elif not user.is_agent_staff:
        raise PermissionDenied("Not for this token.")
    found = rows.filter(pk=request_id).first()
    if found is None:
        raise NotFound("No such self-service request.")
    return found


@router.get("", response={200: list[RequestOut], ERROR_CODES: ErrorOut})
def list_selfservice_requests(
    request: HttpRequest, filters: Query[ListFilters]
) -> list[RequestOut]:
    """Customer tokens: their own requests. Staff tokens (the business's system): every
    request, newest first, by status or customer (at most 200)."""
    user = api_user(request)
    rows = SelfServiceRequest.objects.select_related("type", "record")
    if user.is_customer:
        rows = rows.filter(customer=token_customer(request))
    else:
        require_staff(request)
        if filters.customer_id is not None:
            rows = rows.filter(customer_id=filters.customer_id)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    return [_request_out(r) for r in rows.order_by("-requested_at", "-id")[:200]]


@router.post("", response={200: RequestOut, 201: RequestOut, ERROR_CODES: ErrorOut})
def request_self_service(request: HttpRequest, payload: RequestIn) -> Status[Any]:
    """The customer's one step (customer tokens): 201 recorded (event, confirmation mail),
    200 when the same request is open already. 404 for a type that is off or a record
    that is not theirs; 422 for a record of the wrong kind or a bad detail; 409
    `not_eligible` with the policy's reasons (`details.reasons`)."""
    user = api_user(request)
    if not user.is_customer:
        raise PermissionDenied("This endpoint is for customer tokens.", code="customer_only")
    customer = token_customer(request)
    rt = selectors.active_type(payload.type_id)
    offer = None
    if payload.declined_offer_id is not None:
        shown = selectors.retention_offer(rt, customer, clock.now())
        offer = shown if shown is not None and shown.pk == payload.declined_offer_id else None
    done = actions.do_request_self_service(
        rt,
        customer,
        actor=user,
        now=clock.now(),
        record_id=payload.record_id,
        line_id=payload.line_id,
        details=dict(payload.details),
        surface="api",
        declined_offer=offer,
    )
    return Status(201 if done.created else 200, _request_out(_visible(request, done.request.pk)))


@router.get("/{request_id}", response={200: RequestOut, ERROR_CODES: ErrorOut})
def get_selfservice_request(request: HttpRequest, request_id: Id) -> RequestOut:
    """One request: a customer token only its own (others are 404)."""
    return _request_out(_visible(request, request_id))


@router.post("/{request_id}/outcome", response={200: RequestOut, ERROR_CODES: ErrorOut})
def report_selfservice_outcome(
    request: HttpRequest, request_id: Id, payload: OutcomeIn
) -> RequestOut:
    """The business's system reports the outcome (staff tokens): `done`, or `failed` with
    the reason the customer reads — a failure opens a case for staff. The same outcome
    again is answered as before (idempotent); a different one is 409 `already_settled`."""
    user = require_staff(request)
    actions.do_report_outcome(
        request_id, outcome=payload.outcome, reason=payload.reason, actor=user, now=clock.now()
    )
    return _request_out(_visible(request, request_id))
