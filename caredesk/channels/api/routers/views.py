"""Saved views and bulk actions through the API: the same checks and actions as the
inbox (``caredesk.savedviews``). Staff tokens only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import Team, User
from caredesk.channels.api import present
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import CaseOut, ErrorOut, Id, InSchema, Ref, TagName, _Clean
from caredesk.core import clock
from caredesk.core.errors import InvalidInput
from caredesk.savedviews import actions, bulk, rules, selectors
from caredesk.savedviews.models import SavedView

router = Router(tags=["views"])

ViewName = Annotated[str, StringConstraints(max_length=200), _Clean]
Short = Annotated[str, StringConstraints(max_length=40), _Clean]
MAX_PAGE = 200


class ViewOut(Schema):
    id: int
    name: str
    visibility: str
    team: Ref | None
    owner: Ref
    filters: dict[str, Any]
    sort: str
    columns: list[str]
    count: int
    count_capped: bool = Field(description="True when there are more cases than ``count``.")
    can_edit: bool
    updated_at: datetime


class ViewList(Schema):
    items: list[ViewOut]


class ViewIn(InSchema):
    name: ViewName
    visibility: Short = "personal"
    team_id: Id | None = None
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="state, status, priority, channel, tier, team, my_teams, no_team, "
        "assignee ('me', 'none' or an id), tags, sla (docs/views-and-bulk.md).",
    )
    sort: Short = "updated"
    columns: Annotated[list[Short], Field(max_length=20)] = []


class ViewCases(Schema):
    items: list[CaseOut]
    page: int
    has_next: bool


class BulkIn(InSchema):
    case_ids: Annotated[list[int], Field(max_length=10_000)] = Field(
        description=f"The selected cases (at most {bulk.MAX_SELECTION})."
    )
    op: Short = Field(description=", ".join(bulk.OPERATIONS))
    assignee_id: Id | None = None
    team_id: Id | None = None
    status: Short = ""
    priority: Short = ""
    tags: Annotated[list[TagName], Field(max_length=50)] = []
    macro_id: Id | None = None


class RefusedCase(Schema):
    case_id: int
    code: str
    reason: str


class BulkOut(Schema):
    op: str
    changed: list[int]
    unchanged: list[int]
    refused: list[RefusedCase]


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise InvalidInput("There is no such team.", field="team_id")
    return team


def _out(view: SavedView, user: User) -> ViewOut:
    count = selectors.capped_count(user, selectors.view_filters(view))
    return ViewOut(
        id=view.pk,
        name=view.name,
        visibility=view.visibility,
        team=Ref(id=view.team.pk, name=view.team.name) if view.team else None,
        owner=Ref(id=view.owner.pk, name=view.owner.display_name),
        filters=view.filters,
        sort=view.sort,
        columns=view.columns,
        count=count.value,
        count_capped=count.capped,
        can_edit=rules.may_edit(user, view),
        updated_at=view.updated_at,
    )


def _data(payload: ViewIn) -> actions.ViewData:
    return actions.ViewData(
        name=payload.name,
        visibility=payload.visibility,
        team=_team(payload.team_id),
        filters=payload.filters,
        sort=payload.sort,
        columns=payload.columns,
    )


@router.get("/views", response={200: ViewList, ERROR_CODES: ErrorOut})
def list_views(request: HttpRequest) -> ViewList:
    """Your personal views and those shared with your teams, each with its count
    (capped at 1,000)."""
    user = require_staff(request)
    return ViewList(items=[_out(v, user) for v in selectors.visible_views(user)])


@router.post("/views", response={201: ViewOut, ERROR_CODES: ErrorOut})
def create_view(request: HttpRequest, payload: ViewIn, response: HttpResponse) -> Status[Any]:
    """Save a view. ``visibility`` ``team`` with ``team_id`` shares it with a team you
    belong to. Unknown or malformed filters are refused with the field named."""
    user = require_staff(request)

    def create() -> tuple[int, ViewOut]:
        view = actions.do_create_view(actor=user, data=_data(payload), now=clock.now())
        return 201, _out(selectors.get_view(user, view.pk), user)

    return idempotent(request, response, create)


@router.get("/views/{view_id}", response={200: ViewOut, ERROR_CODES: ErrorOut})
def get_view(request: HttpRequest, view_id: int) -> ViewOut:
    user = require_staff(request)
    return _out(selectors.get_view(user, view_id), user)


@router.put("/views/{view_id}", response={200: ViewOut, ERROR_CODES: ErrorOut})
def update_view(request: HttpRequest, view_id: int, payload: ViewIn) -> ViewOut:
    """Replace the view's name, sharing, filters, sort and columns."""
    user = require_staff(request)
    view = selectors.get_view(user, view_id)
    actions.do_update_view(actor=user, view=view, data=_data(payload), now=clock.now())
    return _out(selectors.get_view(user, view_id), user)


@router.delete("/views/{view_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_view(request: HttpRequest, view_id: int) -> Status[None]:
    user = require_staff(request)
    actions.do_delete_view(actor=user, view=selectors.get_view(user, view_id), now=clock.now())
    return Status(204, None)


@router.get("/views/{view_id}/cases", response={200: ViewCases, ERROR_CODES: ErrorOut})
def view_cases(
    request: HttpRequest,
    view_id: int,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    limit: int = Query(25, ge=1, le=100),
) -> ViewCases:
    """The cases the view shows (only those you may see), in the view's sort order."""
    user = require_staff(request)
    view = selectors.get_view(user, view_id)
    qs = selectors.cases(user, selectors.view_filters(view), view.sort).select_related(
        "customer", "organization", "team", "assignee"
    )
    start = (page - 1) * limit
    rows = list(qs[start : start + limit + 1])
    return ViewCases(
        items=[present.case(t, staff=True) for t in rows[:limit]],
        page=page,
        has_next=len(rows) > limit,
    )


@router.post("/cases/bulk", response={200: BulkOut, ERROR_CODES: ErrorOut})
def bulk_change(request: HttpRequest, payload: BulkIn, response: HttpResponse) -> Status[Any]:
    """Apply one change to many cases, each through the same action (and audit event)
    as the case page. Cases refused (not yours to see, not permitted, authority limit)
    are listed with the reason; the others change. More than 500 ids: refused whole."""
    user = require_staff(request)
    change = bulk.BulkChange(
        op=payload.op,
        assignee_id=payload.assignee_id,
        team_id=payload.team_id,
        status=payload.status,
        priority=payload.priority,
        tags=payload.tags,
        macro_id=payload.macro_id,
    )

    def run() -> tuple[int, BulkOut]:
        summary = bulk.do_bulk(
            actor=user, case_ids=payload.case_ids, change=change, now=clock.now()
        )
        return 200, BulkOut(
            op=summary.op,
            changed=summary.changed,
            unchanged=summary.unchanged,
            refused=[RefusedCase(**r) for r in summary.refused],
        )

    return idempotent(request, response, run)
