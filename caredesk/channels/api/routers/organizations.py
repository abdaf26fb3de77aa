"""Organizations: staff read them; managers and admins create and change them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.accounts.models import User
from caredesk.channels.api import present, selectors
from caredesk.channels.api.auth import require_manager, require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.fields_out import add_fields
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import (
    ErrorOut,
    OrganizationCreateIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatchIn,
)
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.customers import actions
from caredesk.customers.models import Organization

router = Router(tags=["organizations"])


def _organization(org_id: int) -> Organization:
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("No such organization.")
    return org


def _with_fields(user: User, org: Organization) -> OrganizationOut:
    out = present.organization(org)
    add_fields(user, "organization", [out])
    return out


@router.get("", response={200: OrganizationPage, ERROR_CODES: ErrorOut})
def list_organizations(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
) -> OrganizationPage:
    user = require_staff(request)
    rows, next_cursor = selectors.organization_page(cursor, limit)
    items = [present.organization(o) for o in rows]
    add_fields(user, "organization", items)
    return OrganizationPage(items=items, next_cursor=next_cursor)


@router.get("/{org_id}", response={200: OrganizationOut, ERROR_CODES: ErrorOut})
def get_organization(request: HttpRequest, org_id: int) -> OrganizationOut:
    return _with_fields(require_staff(request), _organization(org_id))


@router.post("", response={201: OrganizationOut, ERROR_CODES: ErrorOut})
def create_organization(
    request: HttpRequest, payload: OrganizationCreateIn, response: HttpResponse
) -> Status[Any]:
    user = require_manager(request)

    def create() -> tuple[int, OrganizationOut]:
        org = actions.do_create_organization(
            actor=user,
            name=payload.name,
            tier=payload.tier,
            shared_cases=payload.shared_cases,
            vip_note=payload.vip_note,
            now=clock.now(),
        )
        return 201, _with_fields(user, org)

    return idempotent(request, response, create)


@router.patch("/{org_id}", response={200: OrganizationOut, ERROR_CODES: ErrorOut})
def update_organization(
    request: HttpRequest, org_id: int, payload: OrganizationPatchIn
) -> OrganizationOut:
    user = require_manager(request)
    org = _organization(org_id)
    changes = payload.model_fields_set
    for name in changes:
        if getattr(payload, name) is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    kwargs = {name: getattr(payload, name) for name in changes}
    org = actions.do_update_organization(org, actor=user, now=clock.now(), **kwargs)
    return _with_fields(user, org)
