"""Staff accounts and API token metadata.

Leads and above list the staff; admins add people with a role, change names and roles,
deactivate and reactivate them (never delete). A deactivated person's API tokens are
revoked and their open cases go back to their team's queue. ``GET /tokens`` shows an
admin every token, anyone else only their own (never a secret)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from caredesk.accounts import actions
from caredesk.accounts.models import STAFF_ROLES, ApiToken, User
from caredesk.accounts.selectors import visible_tokens
from caredesk.channels.api.auth import require_admin, require_lead, require_staff
from caredesk.channels.api.config_schemas import (
    StaffCreateIn,
    StaffMemberOut,
    StaffPage,
    StaffPatchIn,
    TokenMetaOut,
    TokenPage,
)
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.routers.config_common import id_page, patch_changes
from caredesk.channels.api.schemas import ErrorOut, Ref
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.tickets.models import OPEN_STATUSES

router = Router(tags=["staff"])


def _staff() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES).annotate(
        open_cases=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES))
    )


def staff_member_out(user: Any) -> StaffMemberOut:
    return StaffMemberOut(
        id=user.pk,
        name=user.display_name,
        email=user.email,
        role=user.role,
        is_active=user.is_active,
        is_away=user.is_away,
        open_cases=getattr(user, "open_cases", 0),
    )


def _member(staff_id: int) -> User:
    found = _staff().filter(pk=staff_id).first()
    if found is None:
        raise NotFound("No such staff member.")
    return found


def token_meta_out(token: ApiToken) -> TokenMetaOut:
    return TokenMetaOut(
        id=token.pk,
        name=token.name,
        kind=token.kind,
        prefix=token.prefix,
        owner=Ref(id=token.user.pk, name=token.user.display_name),
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


@router.get("/staff", response={200: StaffPage, ERROR_CODES: ErrorOut})
def list_staff(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
    active: bool | None = Query(None, description="true or false to filter; all by default."),
) -> StaffPage:
    """Leads, managers and admins: everyone who works cases, active or not."""
    require_lead(request)
    qs = _staff() if active is None else _staff().filter(is_active=active)
    rows, next_cursor = id_page(qs, cursor, limit)
    return StaffPage(items=[staff_member_out(u) for u in rows], next_cursor=next_cursor)


@router.get("/staff/{staff_id}", response={200: StaffMemberOut, ERROR_CODES: ErrorOut})
def get_staff_member(request: HttpRequest, staff_id: int) -> StaffMemberOut:
    require_lead(request)
    return staff_member_out(_member(staff_id))


@router.post("/staff", response={201: StaffMemberOut, ERROR_CODES: ErrorOut})
def create_staff(
    request: HttpRequest, payload: StaffCreateIn, response: HttpResponse
) -> Status[Any]:
    """Admins: add a person with a role (admins also get the admin pages). 409 when the
    address has an account; 422 for a password the rules refuse."""
    user = require_admin(request)

    def create() -> tuple[int, StaffMemberOut]:
        made = actions.do_create_staff(
            actor=user,
            email=payload.email,
            name=payload.name,
            role=payload.role,
            password=payload.password,
            now=clock.now(),
        )
        return 201, staff_member_out(_member(made.pk))

    return idempotent(request, response, create)


@router.patch("/staff/{staff_id}", response={200: StaffMemberOut, ERROR_CODES: ErrorOut})
def update_staff(request: HttpRequest, staff_id: int, payload: StaffPatchIn) -> StaffMemberOut:
    """Admins: change a name or role (409 ``last_admin`` for the last active admin)."""
    user = require_admin(request)
    actions.do_update_staff(
        _member(staff_id), actor=user, now=clock.now(), **patch_changes(payload)
    )
    return staff_member_out(_member(staff_id))


@router.post("/staff/{staff_id}/deactivate", response={200: StaffMemberOut, ERROR_CODES: ErrorOut})
def deactivate_staff(request: HttpRequest, staff_id: int) -> StaffMemberOut:
    """Admins: the person can no longer sign in; their tokens are revoked and their open
    cases go back to their team's queue. Not yourself, not the last admin (409)."""
    user = require_admin(request)
    actions.do_deactivate_staff(_member(staff_id), actor=user, now=clock.now())
    return staff_member_out(_member(staff_id))


@router.post("/staff/{staff_id}/reactivate", response={200: StaffMemberOut, ERROR_CODES: ErrorOut})
def reactivate_staff(request: HttpRequest, staff_id: int) -> StaffMemberOut:
    """Admins: the person can sign in again (their old tokens stay revoked)."""
    user = require_admin(request)
    actions.do_reactivate_staff(_member(staff_id), actor=user, now=clock.now())
    return staff_member_out(_member(staff_id))


class SignInUnlockOut(Schema):
    cleared: int


@router.post(
    "/staff/{staff_id}/unlock-password", response={200: SignInUnlockOut, ERROR_CODES: ErrorOut}
)
def unlock_password(request: HttpRequest, staff_id: int) -> SignInUnlockOut:
    """Admins: every address may try this person's password again at once (wrong
    passwords make one address wait longer each time; the owner elsewhere never waits).
    ``cleared`` counts the addresses that were waiting. Audited."""
    user = require_admin(request)
    member = _member(staff_id)
    cleared = actions.do_unlock_sign_in(actor=user, email=member.email, now=clock.now())
    return SignInUnlockOut(cleared=cleared)


@router.get("/tokens", response={200: TokenPage, ERROR_CODES: ErrorOut})
def list_tokens(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> TokenPage:
    """API token metadata (never a secret): admins see every token, everyone else only
    their own. Revoke with ``POST /tokens/{id}/revoke``."""
    user = require_staff(request)
    rows, next_cursor = id_page(visible_tokens(user), cursor, limit)
    return TokenPage(items=[token_meta_out(t) for t in rows], next_cursor=next_cursor)
