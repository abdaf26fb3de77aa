"""Teams and their members (staff tokens)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from caredesk.channels.api import present, selectors
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut, TeamOut, TeamPage
from caredesk.core.errors import NotFound

router = Router(tags=["teams"])


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
    found = selectors.team_queryset().filter(pk=team_id).first()
    if found is None:
        raise NotFound("No such team.")
    return present.team(found)
