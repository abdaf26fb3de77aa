"""Cases: list (cursor-paginated, filtered, searchable), read, open and change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.accounts.models import Team, User
from caredesk.channels.api import present, selectors
from caredesk.channels.api.auth import api_user, require_staff, token_customer
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.fields_out import add_fields
from caredesk.channels.api.files import decode_files
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import (
    CaseCreateIn,
    CaseDetailOut,
    CaseFilters,
    CasePage,
    CasePatchIn,
    ErrorOut,
)
from caredesk.core import clock
from caredesk.core.errors import PermissionDenied
from caredesk.customers.models import Customer
from caredesk.customfields.actions import do_open_ticket_with_fields
from caredesk.tickets import actions
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Channel, Priority, Ticket

router = Router(tags=["cases"])

STAFF_ONLY_CREATE = ("customer_id", "team_id", "priority")


@router.get("", response={200: CasePage, ERROR_CODES: ErrorOut})
def list_cases(
    request: HttpRequest,
    filters: Query[CaseFilters],
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
) -> CasePage:
    """Cases the token may see, newest activity first. Follow ``next_cursor`` for more."""
    user = api_user(request)
    rows, next_cursor = selectors.case_page(user, filters, cursor, limit)
    staff = user.is_agent_staff
    return CasePage(items=[present.case(t, staff=staff) for t in rows], next_cursor=next_cursor)


@router.get("/{case_id}", response={200: CaseDetailOut, ERROR_CODES: ErrorOut})
def get_case(request: HttpRequest, case_id: int) -> CaseDetailOut:
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    return _detail(user, ticket)


def _detail(user: User, ticket: Ticket) -> CaseDetailOut:
    out = present.case(ticket, staff=user.is_agent_staff, detail=True)
    assert isinstance(out, CaseDetailOut)
    add_fields(user, "case", [out])
    return out


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ApiError(422, f"There is no team with id {team_id}.", code="unknown_team")
    return team


@router.post("", response={201: CaseDetailOut, ERROR_CODES: ErrorOut})
def create_case(request: HttpRequest, payload: CaseCreateIn, response: HttpResponse) -> Status[Any]:
    """Open a case. Staff open it on behalf of ``customer_id``; a customer token opens
    it for that customer. Send an ``Idempotency-Key`` header to make retries safe."""
    user = api_user(request)
    if user.is_customer:
        refused = [name for name in STAFF_ONLY_CREATE if getattr(payload, name) is not None]
        if refused:
            raise PermissionDenied(
                f"Customer tokens open cases for themselves and cannot set {', '.join(refused)}.",
                code="field_not_allowed",
                details={"fields": refused},
            )
    else:
        require_staff(request)
        if payload.customer_id is None:
            raise ApiError(
                422,
                "Staff tokens must say whose case this is: customer_id.",
                code="customer_required",
            )

    def create() -> tuple[int, CaseDetailOut]:
        files = decode_files(payload.attachments)
        if user.is_customer:
            customer = token_customer(request)
            team = None
        else:
            customer_id = payload.customer_id or 0
            found = Customer.objects.filter(pk=customer_id).first()
            if found is None:
                raise ApiError(
                    422,
                    f"There is no customer with id {customer_id}.",
                    code="unknown_customer",
                )
            customer, team = found, _team(payload.team_id)
        ticket = do_open_ticket_with_fields(
            fields=payload.fields,
            customer=customer,
            subject=payload.subject,
            body=payload.body,
            channel=Channel.API,
            now=clock.now(),
            actor=user,
            priority=payload.priority or Priority.NORMAL,
            team=team,
            files=files,
        )
        return 201, _detail(user, selectors.case_as_written(ticket.pk))

    return idempotent(request, response, create)


@router.patch("/{case_id}", response={200: CaseDetailOut, ERROR_CODES: ErrorOut})
def update_case(request: HttpRequest, case_id: int, payload: CasePatchIn) -> CaseDetailOut:
    """Staff change status, priority, team, assignee (with a handoff note) and tags.
    Customer tokens may only change status: reopen a resolved case or mark it resolved."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    changes = set(payload.model_fields_set)
    for name in ("status", "priority", "tags"):
        if name in changes and getattr(payload, name) is None:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    now = clock.now()
    if user.is_customer:
        refused = sorted(changes - {"status"})
        if refused:
            raise PermissionDenied(
                "Customer tokens can only change a case's status (reopen it or mark it "
                f"resolved), not {', '.join(refused)}.",
                code="field_not_allowed",
                details={"fields": refused},
            )
        if payload.status is not None:
            actions.do_change_status(ticket, actor=user, status=payload.status, now=now)
    else:
        _staff_update(user, ticket, payload, changes)
    ticket.refresh_from_db()
    return _detail(user, ticket)


def _staff_update(user: User, ticket: Ticket, payload: CasePatchIn, changes: set[str]) -> None:
    now = clock.now()
    with transaction.atomic():
        if "team_id" in changes or "assignee_id" in changes:
            team = _team(payload.team_id) if "team_id" in changes else ticket.team
            assignee = ticket.assignee
            if "assignee_id" in changes:
                assignee = None
                if payload.assignee_id is not None:
                    assignee = User.objects.filter(pk=payload.assignee_id).first()
                    if assignee is None or not assignee.is_agent_staff:
                        raise ApiError(
                            422,
                            f"There is no active staff member with id {payload.assignee_id}.",
                            code="unknown_assignee",
                        )
            actions.do_assign(
                ticket,
                actor=user,
                assignee=assignee,
                team=team,
                now=now,
                handoff_note=payload.handoff_note or "",
            )
        elif payload.handoff_note:
            raise ApiError(
                422,
                "A handoff_note goes with an assignment: send assignee_id or team_id too.",
                code="handoff_without_assignment",
            )
        if payload.priority is not None:
            actions.do_change_priority(ticket, actor=user, priority=payload.priority, now=now)
        if payload.tags is not None:
            actions.do_set_tags(ticket, actor=user, names=payload.tags, now=now)
        if payload.status is not None:
            actions.do_change_status(ticket, actor=user, status=payload.status, now=now)
