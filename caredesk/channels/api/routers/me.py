"""The token owner's own things, as on the account page and the notification center:
away status, API tokens, notifications and how they are delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.actions import (
    UNSET,
    do_create_api_token,
    do_revoke_api_token,
    do_set_away,
    do_set_staff_locale,
)
from caredesk.accounts.models import ApiToken, User
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.schemas import ErrorOut, Id, InSchema, PatchSchema, _Clean
from caredesk.core import actions as core_actions
from caredesk.core import clock, notifications
from caredesk.core.errors import NotFound
from caredesk.core.models import Notification

router = Router(tags=["me"])

KindName = Annotated[str, StringConstraints(max_length=40), _Clean]


class StaffOut(Schema):
    id: int
    name: str
    email: str
    role: str
    is_active: bool
    is_away: bool
    language: str = Field(
        description="Staff pages and staff mail in this language; empty: the desk's default."
    )
    time_zone: str = Field(description="Times on staff pages in this IANA zone; empty: the desk's.")


class MePatchIn(PatchSchema):
    NOT_NULL: ClassVar[tuple[str, ...]] = ("language", "time_zone")
    language: Annotated[str, StringConstraints(max_length=16)] | None = Field(
        None, description="One of the desk's languages (en, de, fr, es), or empty for the default."
    )
    time_zone: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="An IANA time zone such as Europe/Berlin, or empty for the desk's."
    )


class AwayIn(InSchema):
    away: bool


class TokenOut(Schema):
    id: int
    name: str
    kind: str
    prefix: str
    owner_id: int
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class TokenCreateIn(InSchema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100), _Clean]


class TokenSecretOut(TokenOut):
    token: str = Field(description="The full token; shown once, never stored.")


class NotificationOut(Schema):
    id: int
    kind: str
    case_id: int | None = None
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None = None


class NotificationPage(Schema):
    items: list[NotificationOut]
    unread: int


class ReadAllIn(InSchema):
    kind: KindName = Field("", description="Only this kind; empty for all.")


class ReadAllOut(Schema):
    marked: int


class PreferencesIn(InSchema):
    deliveries: dict[KindName, Annotated[str, StringConstraints(max_length=20)]] = Field(
        default_factory=dict, max_length=100, description="Kind → app, email or both."
    )
    digest_hours: int = Field(0, ge=0, le=999, description="0 for no digest.")


def staff_out(user: User) -> StaffOut:
    return StaffOut(
        id=user.pk,
        name=user.display_name,
        email=user.email,
        role=user.role,
        is_active=user.is_active,
        is_away=user.is_away,
        language=user.language,
        time_zone=user.time_zone,
    )


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.pk,
        name=token.name,
        kind=token.kind,
        prefix=token.prefix,
        owner_id=token.user_id,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


def _notification(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        kind=n.kind,
        case_id=n.ticket_id,
        subject=n.subject,
        body=n.body,
        link=n.link,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@router.get("/me", response={200: StaffOut, ERROR_CODES: ErrorOut})
def get_staff_me(request: HttpRequest) -> StaffOut:
    """The staff member this token acts as (customer tokens: GET /customers/me)."""
    return staff_out(require_staff(request))


@router.patch("/me", response={200: StaffOut, ERROR_CODES: ErrorOut})
def update_staff_me(request: HttpRequest, payload: MePatchIn) -> StaffOut:
    """Your language and time zone (as on *Your account*); only the fields you send change."""
    user = require_staff(request)
    fields = payload.dict(exclude_unset=True)
    for name in MePatchIn.NOT_NULL:
        if name in fields and fields[name] is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    done = do_set_staff_locale(
        user,
        actor=user,
        now=clock.now(),
        language=UNSET if payload.language is None else payload.language,
        time_zone=UNSET if payload.time_zone is None else payload.time_zone,
    )
    return staff_out(done)


@router.post("/me/away", response={200: StaffOut, ERROR_CODES: ErrorOut})
def set_away(request: HttpRequest, payload: AwayIn) -> StaffOut:
    """Mark yourself away (your promises and approvals are handed over) or back."""
    user = require_staff(request)
    return staff_out(do_set_away(user=user, away=payload.away, now=clock.now()))


@router.get("/me/tokens", response={200: list[TokenOut], ERROR_CODES: ErrorOut})
def my_tokens(request: HttpRequest) -> list[TokenOut]:
    user = require_staff(request)
    return [token_out(t) for t in ApiToken.objects.filter(user=user).order_by("-created_at")[:100]]


@router.post("/me/tokens", response={201: TokenSecretOut, ERROR_CODES: ErrorOut})
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Status[TokenSecretOut]:
    """A new token acting as you. The full token is in this answer only."""
    user = require_staff(request)
    issued = do_create_api_token(user=user, name=payload.name, now=clock.now())
    token = ApiToken.objects.get(prefix=issued.token.prefix)
    return Status(201, TokenSecretOut(**token_out(token).model_dump(), token=issued.plaintext))


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, ERROR_CODES: ErrorOut})
def revoke_token(request: HttpRequest, token_id: Id) -> TokenOut:
    """Revoke one of your tokens (admins: anyone's)."""
    user = require_staff(request)
    return token_out(do_revoke_api_token(actor=user, token_id=token_id, now=clock.now()))


@router.get("/notifications", response={200: NotificationPage, ERROR_CODES: ErrorOut})
def list_notifications(
    request: HttpRequest,
    kind: str = Query("", max_length=40),
    unread: bool = Query(False),
    limit: int = Query(50, ge=1, le=100),
) -> NotificationPage:
    """Your notifications, newest first."""
    user = require_staff(request)
    rows = notifications.for_user(user.pk, kind=kind, unread=unread)[:limit]
    return NotificationPage(
        items=[_notification(n) for n in rows], unread=notifications.unread_count(user.pk)
    )


@router.post(
    "/notifications/{notification_id}/read", response={200: NotificationOut, ERROR_CODES: ErrorOut}
)
def mark_notification_read(request: HttpRequest, notification_id: Id) -> NotificationOut:
    user = require_staff(request)
    core_actions.do_mark_notification_read(user.pk, notification_id, clock.now())
    row = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if row is None:
        raise NotFound("No such notification.")
    return _notification(row)


@router.post("/notifications/read-all", response={200: ReadAllOut, ERROR_CODES: ErrorOut})
def mark_all_notifications_read(request: HttpRequest, payload: ReadAllIn) -> ReadAllOut:
    user = require_staff(request)
    return ReadAllOut(
        marked=core_actions.do_mark_all_notifications_read(user.pk, clock.now(), kind=payload.kind)
    )


@router.put("/me/notification-preferences", response={204: None, ERROR_CODES: ErrorOut})
def set_preferences(request: HttpRequest, payload: PreferencesIn) -> Status[None]:
    """How each kind of notification reaches you, and the digest interval."""
    user = require_staff(request)
    core_actions.do_save_notification_preferences(
        user, dict(payload.deliveries), payload.digest_hours, clock.now()
    )
    return Status(204, None)
