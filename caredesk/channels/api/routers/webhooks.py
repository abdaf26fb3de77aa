"""Outbound webhooks through the API (admin tokens only): endpoints, their secrets and
delivery logs, and redelivery. See docs/webhooks.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import Role, User
from caredesk.channels.api import pagination
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import ErrorOut, InSchema, PatchSchema, Ref, _Clean
from caredesk.channels.webhooks import actions
from caredesk.channels.webhooks.models import Delivery, DeliveryState, Endpoint
from caredesk.core import clock
from caredesk.core.errors import NotFound, PermissionDenied

router = Router(tags=["webhooks"])

# The actions check the real limits (URL 2,000, description 500 characters) with a
# clear message; these ceilings only stop absurd payloads early.
WebhookUrl = Annotated[str, StringConstraints(max_length=10_000), _Clean]
WebhookText = Annotated[str, StringConstraints(max_length=10_000), _Clean]
EventPattern = Annotated[str, StringConstraints(max_length=200), _Clean]
EVENTS_DOC = "Event kinds and wildcards: 'case.created', 'promise.*', or '*' for all."


class WebhookEndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    is_active: bool
    secret_prefix: str = Field(description="The start of the current secret, to tell them apart.")
    secret_rotated_at: datetime
    created_by: Ref | None = None
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str
    consecutive_failures: int = Field(description="Failed attempts since the last success.")
    failing_since: datetime | None = None
    last_success_at: datetime | None = None


class WebhookEndpointSecretOut(WebhookEndpointOut):
    secret: str | None = Field(
        description="The signing secret, shown in this response only. Null in a response "
        "replayed for the same Idempotency-Key: rotate the secret to get a new one."
    )


class WebhookEndpointPage(Schema):
    items: list[WebhookEndpointOut]
    next_cursor: str | None = None


class WebhookEndpointCreateIn(InSchema):
    url: WebhookUrl = Field(description="http:// or https://; no user name or password.")
    description: WebhookText = ""
    events: list[EventPattern] = Field(
        default_factory=lambda: ["*"], max_length=200, description=EVENTS_DOC
    )
    is_active: bool = True


class WebhookEndpointPatchIn(PatchSchema):
    NOT_NULL = ("url", "description", "events", "is_active")
    url: WebhookUrl | None = None
    description: WebhookText | None = None
    events: list[EventPattern] | None = Field(None, max_length=200, description=EVENTS_DOC)
    is_active: bool | None = Field(
        None, description="false disables; true enables and resets the failure count."
    )


class WebhookDeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_id: int
    kind: str
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_status_code: int | None = None
    last_latency_ms: int | None = None
    last_response_excerpt: str = Field(description="The first 1 KB of the answer, sanitised.")
    last_error: str
    redelivery_of: int | None = None


class WebhookDeliveryPage(Schema):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None = None


def require_admin(request: HttpRequest) -> User:
    user = require_staff(request)
    if user.role != Role.ADMIN:
        raise PermissionDenied("Only admins can manage webhooks.", code="admins_only")
    return user


def endpoint_out(endpoint: Endpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(**_endpoint_fields(endpoint))


def _endpoint_fields(endpoint: Endpoint) -> dict[str, Any]:
    creator = endpoint.created_by
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
        "secret_prefix": endpoint.secret_prefix,
        "secret_rotated_at": endpoint.secret_rotated_at,
        "created_by": Ref(id=creator.pk, name=creator.display_name) if creator else None,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "failing_since": endpoint.failing_since,
        "last_success_at": endpoint.last_success_at,
    }


def delivery_out(row: Delivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=row.pk,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        kind=row.kind,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        last_status_code=row.last_status_code,
        last_latency_ms=row.last_latency_ms,
        last_response_excerpt=row.last_response_excerpt,
        last_error=row.last_error,
        redelivery_of=row.redelivery_of_id,
    )


def _endpoint(endpoint_id: int) -> Endpoint:
    found = Endpoint.objects.select_related("created_by").filter(pk=endpoint_id).first()
    if found is None:
        raise NotFound("No such webhook endpoint.")
    return found


def _delivery(delivery_id: int) -> Delivery:
    found = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if found is None:
        raise NotFound("No such webhook delivery.")
    return found


@router.get("/endpoints", response={200: WebhookEndpointPage, ERROR_CODES: ErrorOut})
def list_endpoints(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> WebhookEndpointPage:
    require_admin(request)
    qs = Endpoint.objects.select_related("created_by").filter(pagination.after_id(cursor))
    rows = list(qs.order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return WebhookEndpointPage(
        items=[endpoint_out(e) for e in rows],
        next_cursor=pagination.id_cursor(rows[-1].pk) if more else None,
    )


@router.post("/endpoints", response={201: WebhookEndpointSecretOut, ERROR_CODES: ErrorOut})
def create_endpoint(
    request: HttpRequest, payload: WebhookEndpointCreateIn, response: HttpResponse
) -> Status[Any]:
    """Returns the signing secret once. With an Idempotency-Key, a replayed response
    has ``secret: null`` (secrets are never stored in the clear)."""
    user = require_admin(request)
    fresh: dict[str, str] = {}

    def create() -> tuple[int, WebhookEndpointSecretOut]:
        endpoint, secret = actions.do_create_endpoint(
            actor=user,
            url=payload.url,
            description=payload.description,
            events=payload.events,
            is_active=payload.is_active,
            now=clock.now(),
        )
        fresh["secret"] = secret
        return 201, WebhookEndpointSecretOut(**_endpoint_fields(endpoint), secret=None)

    result = idempotent(request, response, create)
    if "secret" in fresh:
        return Status(result.status_code, {**result.value, "secret": fresh["secret"]})
    return result


@router.get("/endpoints/{endpoint_id}", response={200: WebhookEndpointOut, ERROR_CODES: ErrorOut})
def get_endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpointOut:
    require_admin(request)
    return endpoint_out(_endpoint(endpoint_id))


@router.patch("/endpoints/{endpoint_id}", response={200: WebhookEndpointOut, ERROR_CODES: ErrorOut})
def update_endpoint(
    request: HttpRequest, endpoint_id: int, payload: WebhookEndpointPatchIn
) -> WebhookEndpointOut:
    user = require_admin(request)
    endpoint = _endpoint(endpoint_id)
    changes = payload.model_fields_set
    for name in changes:
        if getattr(payload, name) is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    kwargs = {name: getattr(payload, name) for name in changes}
    actions.do_update_endpoint(endpoint, actor=user, now=clock.now(), **kwargs)
    return endpoint_out(_endpoint(endpoint_id))


@router.delete("/endpoints/{endpoint_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> Status[None]:
    user = require_admin(request)
    actions.do_delete_endpoint(_endpoint(endpoint_id), actor=user, now=clock.now())
    return Status(204, None)


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret",
    response={200: WebhookEndpointSecretOut, ERROR_CODES: ErrorOut},
)
def rotate_secret(request: HttpRequest, endpoint_id: int) -> WebhookEndpointSecretOut:
    """A new signing secret, shown once; the old one stops signing at once."""
    user = require_admin(request)
    endpoint, secret = actions.do_rotate_secret(_endpoint(endpoint_id), actor=user, now=clock.now())
    return WebhookEndpointSecretOut(**_endpoint_fields(_endpoint(endpoint.pk)), secret=secret)


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    response={200: WebhookDeliveryPage, ERROR_CODES: ErrorOut},
)
def list_deliveries(
    request: HttpRequest,
    endpoint_id: int,
    state: DeliveryState | None = None,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> WebhookDeliveryPage:
    """Newest first."""
    require_admin(request)
    endpoint = _endpoint(endpoint_id)
    qs = Delivery.objects.filter(endpoint_id=endpoint.pk)
    if state is not None:
        qs = qs.filter(state=state)
    if cursor:
        before = pagination.cursor_int(pagination.decode_cursor(cursor, {"i"}), "i")
        qs = qs.filter(Q(pk__lt=before))
    rows = list(qs.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return WebhookDeliveryPage(
        items=[delivery_out(d) for d in rows],
        next_cursor=pagination.id_cursor(rows[-1].pk) if more else None,
    )


@router.get("/deliveries/{delivery_id}", response={200: WebhookDeliveryOut, ERROR_CODES: ErrorOut})
def get_delivery(request: HttpRequest, delivery_id: int) -> WebhookDeliveryOut:
    require_admin(request)
    return delivery_out(_delivery(delivery_id))


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response={202: WebhookDeliveryOut, ERROR_CODES: ErrorOut},
)
def redeliver(request: HttpRequest, delivery_id: int, response: HttpResponse) -> Status[Any]:
    """Send the event again as a new delivery, signed with a fresh timestamp."""
    user = require_admin(request)
    delivery = _delivery(delivery_id)

    def create() -> tuple[int, WebhookDeliveryOut]:
        again = actions.do_redeliver(delivery, actor=user, now=clock.now())
        again.refresh_from_db()
        return 202, delivery_out(again)

    return idempotent(request, response, create)
