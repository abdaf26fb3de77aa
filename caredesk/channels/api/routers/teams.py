"""Teams and their members: staff read them; admins create, change and remove them (as
in the admin pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.accounts import actions
from caredesk.channels.api import present, selectors
from caredesk.channels.api.auth import require_admin, require_staff
from caredesk.channels.api.config_schemas import TeamCreateIn, TeamPatchIn
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.routers.config_common import patch_changes
from caredesk.channels.api.schemas import ErrorOut, TeamOut, TeamPage
from caredesk.core import clock
from caredesk.core.errors import NotFound

router = Router(tags=["teams"])


def _team(team_id: int) -> Any:
    found = selectors.team_queryset().filter(pk=team_id).first()
    if found is None:
        raise NotFound("No such team.")
    return found


@router.get("", response={200: TeamPage, ERROR_CODES: ErrorOut})
def list_teams(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> TeamPage:
    require_staff(request)
    rows, next_cursor = selectors.team_page(cursor, limit)
    return TeamPage(items=[present.team(t) for t in rows], next_cursor=next_cursor)


@router.get("/{team_id}", response={200: TeamOut, ERROR_CODES: ErrorOut})
def get_team(request: HttpRequest, team_id: int) -> TeamOut:
    require_staff(request)
    return present.team(_team(team_id))


@router.post("", response={201: TeamOut, ERROR_CODES: ErrorOut})
def create_team(request: HttpRequest, payload: TeamCreateIn, response: HttpResponse) -> Status[Any]:
    """Admins: a new team with its lead and members (the lead is always a member).
    409 for a name or slug in use; 422 for ids that are not active staff."""
    user = require_admin(request)

    def create() -> tuple[int, TeamOut]:
        team = actions.do_create_team(actor=user, now=clock.now(), **payload.model_dump())
        return 201, present.team(_team(team.pk))

    return idempotent(request, response, create)


@router.patch("/{team_id}", response={200: TeamOut, ERROR_CODES: ErrorOut})
def update_team(request: HttpRequest, team_id: int, payload: TeamPatchIn) -> TeamOut:
    """Admins: rename, change the lead, or replace the members (``member_ids``). Cases of
    someone who leaves the team stay assigned to them."""
    user = require_admin(request)
    actions.do_update_team(_team(team_id), actor=user, now=clock.now(), **patch_changes(payload))
    return present.team(_team(team_id))


@router.delete("/{team_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_team(request: HttpRequest, team_id: int) -> Status[None]:
    """Admins: remove a team no case or SLA policy refers to (409 ``team_in_use``)."""
    user = require_admin(request)
    actions.do_delete_team(_team(team_id), actor=user, now=clock.now())
    return Status(204, None)
