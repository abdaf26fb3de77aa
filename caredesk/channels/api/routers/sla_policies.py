"""SLA policies: leads and above read them, admins change them. Policies are retired
(``is_active: false``), never deleted: cases keep the policy they ran under."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.channels.api import pagination
from caredesk.channels.api.auth import require_admin, require_lead
from caredesk.channels.api.config_schemas import (
    SlaPolicyCreateIn,
    SlaPolicyOut,
    SlaPolicyPage,
    SlaPolicyPatchIn,
)
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.routers.config_common import patch_changes
from caredesk.channels.api.schemas import ErrorOut, Ref
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.sla import config_actions
from caredesk.sla.models import SlaPolicy

router = Router(tags=["sla policies"])


def policy_out(p: SlaPolicy) -> SlaPolicyOut:
    return SlaPolicyOut(
        id=p.pk,
        name=p.name,
        is_active=p.is_active,
        order=p.order,
        calendar=Ref(id=p.calendar.pk, name=p.calendar.name),
        team=Ref(id=p.team.pk, name=p.team.name) if p.team else None,
        priority=p.priority,
        tier=p.tier,
        channel=p.channel,
        first_response_minutes=p.first_response_minutes,
        next_response_minutes=p.next_response_minutes,
        resolution_minutes=p.resolution_minutes,
        warn_at_percent=p.warn_at_percent,
    )


def _policy(policy_id: int) -> SlaPolicy:
    found = SlaPolicy.objects.select_related("calendar", "team").filter(pk=policy_id).first()
    if found is None:
        raise NotFound("No such SLA policy.")
    return found


def _after(cursor: str | None) -> Q:
    if not cursor:
        return Q()
    data = pagination.decode_cursor(cursor, {"o", "i"})
    order = pagination.cursor_int(data, "o", minimum=0)
    pk = pagination.cursor_int(data, "i")
    return Q(order__gt=order) | Q(order=order, pk__gt=pk)


@router.get("", response={200: SlaPolicyPage, ERROR_CODES: ErrorOut})
def list_sla_policies(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> SlaPolicyPage:
    """Leads, managers and admins: in the order they are tried (the first match wins)."""
    require_lead(request)
    qs = SlaPolicy.objects.select_related("calendar", "team").filter(_after(cursor))
    rows = list(qs.order_by("order", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode_cursor({"o": rows[-1].order, "i": rows[-1].pk})
    return SlaPolicyPage(items=[policy_out(p) for p in rows], next_cursor=next_cursor)


@router.get("/{policy_id}", response={200: SlaPolicyOut, ERROR_CODES: ErrorOut})
def get_sla_policy(request: HttpRequest, policy_id: int) -> SlaPolicyOut:
    require_lead(request)
    return policy_out(_policy(policy_id))


@router.post("", response={201: SlaPolicyOut, ERROR_CODES: ErrorOut})
def create_sla_policy(
    request: HttpRequest, payload: SlaPolicyCreateIn, response: HttpResponse
) -> Status[Any]:
    """Admins: a new policy (at least one target). Every open case is recomputed, since
    the new policy may now be the first that matches it."""
    user = require_admin(request)

    def create() -> tuple[int, SlaPolicyOut]:
        policy = config_actions.do_create_policy(
            actor=user, now=clock.now(), **payload.model_dump()
        )
        return 201, policy_out(_policy(policy.pk))

    return idempotent(request, response, create)


@router.patch("/{policy_id}", response={200: SlaPolicyOut, ERROR_CODES: ErrorOut})
def update_sla_policy(
    request: HttpRequest, policy_id: int, payload: SlaPolicyPatchIn
) -> SlaPolicyOut:
    """Admins: change a policy's conditions, targets or calendar, or retire it
    (``is_active: false``); the open cases it touches are recomputed."""
    user = require_admin(request)
    policy = _policy(policy_id)
    config_actions.do_update_policy(policy, actor=user, now=clock.now(), **patch_changes(payload))
    return policy_out(_policy(policy_id))
