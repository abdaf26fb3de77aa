"""Promises through the API: list and make them on a case, keep or move them, and the
promise-kept statistics. Customer tokens see only the promises shown to them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import User
from caredesk.channels.api.auth import api_user, require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import Body, ErrorOut, Id, InSchema, Note, Ref, _Clean
from caredesk.core import clock
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.promises import actions, report
from caredesk.promises.models import Promise
from caredesk.promises.selectors import case_promises, portal_promises, promise_for
from caredesk.promises.suggest import realism_warning, suggest_due
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets.access import access_ticket

case_router = Router(tags=["promises"])
router = Router(tags=["promises"])

PromiseText = Annotated[str, StringConstraints(max_length=2000), _Clean]


class PromiseOut(Schema):
    id: int
    case_id: int
    kind: str
    text: str
    state: str
    due_at: datetime
    due_in_words: str
    customer_visible: bool
    requested_by_customer: bool
    created_at: datetime
    kept_at: datetime | None = None
    owner: Ref | None = None
    kept_how: str | None = None
    renegotiations: int | None = None
    missed_due_at: datetime | None = None


class PromiseCreatedOut(PromiseOut):
    warning: str = ""
    suggestion: str = ""


class PromiseList(Schema):
    items: list[PromiseOut]


class PromiseCreateIn(InSchema):
    kind: str = Field(max_length=20)
    text: PromiseText
    due_at: datetime
    owner_id: Id | None = None
    customer_visible: bool = True


class KeepIn(InSchema):
    note: Note


class RenegotiateIn(InSchema):
    due_at: datetime
    message: Body = ""


class StatRow(Schema):
    key: str
    label: str
    kept: int
    broken: int
    kept_rate: float | None
    avg_lateness_seconds: float | None


class BrokenOut(Schema):
    promise_id: int
    case_id: int
    case_reference: str
    kind: str
    text: str
    state: str
    owner: str | None
    missed_due_at: datetime | None
    lateness_seconds: float


class StatsOut(Schema):
    start: datetime
    end: datetime
    overall: StatRow
    by_agent: list[StatRow]
    by_team: list[StatRow]
    by_kind: list[StatRow]
    broken: list[BrokenOut]


def present(promise: Promise, *, staff: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": promise.pk,
        "case_id": promise.ticket_id,
        "kind": promise.kind,
        "text": promise.text,
        "state": promise.state,
        "due_at": promise.due_at,
        "due_in_words": when_words(promise.due_at, desk_zone(promise.team)),
        "customer_visible": promise.customer_visible,
        "requested_by_customer": promise.requested_by_customer,
        "created_at": promise.created_at,
        "kept_at": promise.kept_at,
    }
    if staff:
        owner = promise.owner
        out.update(
            owner=Ref(id=owner.pk, name=owner.display_name) if owner else None,
            kept_how=promise.kept_how or None,
            renegotiations=promise.renegotiations,
            missed_due_at=promise.missed_due_at,
        )
    return out


def _fresh(pk: int) -> Promise:
    return Promise.objects.select_related("owner", "team").get(pk=pk)


@case_router.get("/{case_id}/promises", response={200: PromiseList, ERROR_CODES: ErrorOut})
def list_promises(request: HttpRequest, case_id: int) -> PromiseList:
    """Every promise on the case (customers: those shown to them), pending first."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    rows = portal_promises(ticket) if user.is_customer else case_promises(ticket)
    staff = user.is_agent_staff
    return PromiseList(items=[PromiseOut(**present(p, staff=staff)) for p in rows])


@case_router.post("/{case_id}/promises", response={201: PromiseCreatedOut, ERROR_CODES: ErrorOut})
def create_promise(
    request: HttpRequest, case_id: int, payload: PromiseCreateIn, response: HttpResponse
) -> Status[Any]:
    """Staff: make a promise. ``due_at`` must carry a time zone. The answer says what the
    team's history suggests and warns when the promise is faster than that."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)

    def create() -> tuple[int, PromiseCreatedOut]:
        owner = None
        if payload.owner_id is not None:
            owner = User.objects.filter(pk=payload.owner_id).first()
            if owner is None:
                raise DomainError("There is no such owner.", code="invalid_owner")
        now = clock.now()
        draft = actions.PromiseDraft(
            kind=payload.kind,
            text=payload.text,
            due_at=payload.due_at,
            owner=owner,
            customer_visible=payload.customer_visible,
        )
        promise = actions.do_make_promise(ticket, actor=user, draft=draft, now=now)
        suggestion = suggest_due(ticket.team, promise.kind, now)
        due_words = (
            when_words(suggestion.due_at, desk_zone(ticket.team)) if suggestion.due_at else ""
        )
        out = PromiseCreatedOut(
            **present(_fresh(promise.pk), staff=True),
            warning=realism_warning(ticket.team, promise.kind, promise.due_at, now),
            suggestion=suggestion.text(due_words),
        )
        return 201, out

    return idempotent(request, response, create)


@router.post("/{promise_id}/keep", response={200: PromiseOut, ERROR_CODES: ErrorOut})
def keep_promise(request: HttpRequest, promise_id: int, payload: KeepIn) -> PromiseOut:
    """Mark a promise kept, with a note saying what was done."""
    user = require_staff(request)
    promise = promise_for(user, promise_id)
    actions.do_keep_promise(promise, actor=user, note=payload.note, now=clock.now())
    return PromiseOut(**present(_fresh(promise.pk), staff=True))


@router.post("/{promise_id}/renegotiate", response={200: PromiseOut, ERROR_CODES: ErrorOut})
def renegotiate_promise(
    request: HttpRequest, promise_id: int, payload: RenegotiateIn
) -> PromiseOut:
    """Move the due time. For a promise the customer sees, ``message`` is required: it is
    sent to the customer as a public reply, with the new time in words."""
    user = require_staff(request)
    promise = promise_for(user, promise_id)
    actions.do_renegotiate_promise(
        promise, actor=user, new_due=payload.due_at, message=payload.message, now=clock.now()
    )
    return PromiseOut(**present(_fresh(promise.pk), staff=True))


def _row(row: report.Row) -> StatRow:
    return StatRow(
        key=row.key,
        label=row.label,
        kept=row.kept,
        broken=row.broken,
        kept_rate=row.kept_rate,
        avg_lateness_seconds=row.avg_lateness_seconds,
    )


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name} must be a date like 2026-11-23.", code="invalid_date") from None


@router.get("/stats", response={200: StatsOut, ERROR_CODES: ErrorOut})
def promise_stats(
    request: HttpRequest,
    start: str | None = Query(None, max_length=10),
    end: str | None = Query(None, max_length=10),
) -> StatsOut:
    """Promise-kept rate per agent, team and kind, average lateness of broken promises, and
    the cases with broken promises (leads, managers and admins). Dates are inclusive days
    in UTC; the default is the last 30 days."""
    user = require_staff(request)
    if not report.may_see_report(user):
        raise PermissionDenied(
            "Promise statistics are for leads, managers and admins.", code="leads_only"
        )
    now = clock.now()
    zone = now.tzinfo
    start_day, end_day = _day(start, "start"), _day(end, "end")
    try:
        end_at = (
            datetime.combine(end_day, time(0), tzinfo=zone) + timedelta(days=1) if end_day else now
        )
        start_at = (
            datetime.combine(start_day, time(0), tzinfo=zone)
            if start_day
            else end_at - timedelta(days=30)
        )
        end_at - timedelta(days=report.MAX_DAYS)
    except OverflowError:
        raise DomainError("Those dates are out of range.", code="invalid_dates") from None
    data = report.build(user, start_at, end_at, now)
    return StatsOut(
        start=data.start,
        end=data.end,
        overall=_row(data.overall),
        by_agent=[_row(r) for r in data.by_agent],
        by_team=[_row(r) for r in data.by_team],
        by_kind=[_row(r) for r in data.by_kind],
        broken=[
            BrokenOut(
                promise_id=p.pk,
                case_id=p.ticket_id,
                case_reference=p.ticket.reference,
                kind=p.kind,
                text=p.text,
                state=p.state,
                owner=p.owner.display_name if p.owner else None,
                missed_due_at=p.missed_due_at,
                lateness_seconds=report.lateness(p, now),
            )
            for p in data.broken
        ],
    )


class ReassignIn(InSchema):
    owner_id: Id
    reason: Note = ""


class CancelIn(InSchema):
    note: Note


class CallbackIn(InSchema):
    number: Annotated[str, StringConstraints(min_length=1, max_length=40), _Clean]
    window_start: datetime | None = Field(None, description="With a time zone; default now.")
    window_end: datetime = Field(description="With a time zone.")
    note: Note = ""


@router.post("/{promise_id}/reassign", response={200: PromiseOut, ERROR_CODES: ErrorOut})
def reassign_promise(request: HttpRequest, promise_id: int, payload: ReassignIn) -> PromiseOut:
    """Leads and above: hand a promise to another staff member."""
    user = require_staff(request)
    promise = promise_for(user, promise_id)
    owner = User.objects.filter(pk=payload.owner_id).first()
    if owner is None or not owner.is_agent_staff:
        raise DomainError("There is no such owner.", code="invalid_owner")
    actions.do_reassign_promise(
        promise, actor=user, owner=owner, reason=payload.reason, now=clock.now()
    )
    return PromiseOut(**present(_fresh(promise.pk), staff=True))


@router.post("/{promise_id}/cancel", response={200: PromiseOut, ERROR_CODES: ErrorOut})
def cancel_promise(request: HttpRequest, promise_id: int, payload: CancelIn) -> PromiseOut:
    """Withdraw a promise that no longer applies (a reason is required)."""
    user = require_staff(request)
    promise = promise_for(user, promise_id)
    actions.do_cancel_promise(promise, actor=user, note=payload.note, now=clock.now())
    return PromiseOut(**present(_fresh(promise.pk), staff=True))


@case_router.post("/{case_id}/callback", response={201: PromiseOut, ERROR_CODES: ErrorOut})
def request_callback(request: HttpRequest, case_id: int, payload: CallbackIn) -> Status[Any]:
    """Customer tokens: ask for a callback in a window; it becomes a callback promise."""
    user = api_user(request)
    if not user.is_customer:
        raise PermissionDenied("Customers ask for callbacks; staff make a promise.")
    ticket = access_ticket(user, case_id)
    promise = actions.do_request_callback(
        ticket,
        customer_user=user,
        number=payload.number,
        window_start=payload.window_start,
        window_end=payload.window_end,
        note=payload.note,
        now=clock.now(),
    )
    return Status(201, PromiseOut(**present(_fresh(promise.pk), staff=False)))
