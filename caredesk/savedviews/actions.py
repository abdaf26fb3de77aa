"""Every change to saved views goes through one of these functions (house rule 1).

Managing a view is audited with ``core.audit`` (it is not about a case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from caredesk.accounts.models import Team, User
from caredesk.core import audit as core_audit
from caredesk.core.errors import InvalidInput, NotFound, PermissionDenied
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import Target
from caredesk.savedviews import rules
from caredesk.savedviews.filters import check_columns, check_filters, check_sort, field_key
from caredesk.savedviews.models import SavedView, Visibility

MAX_NAME = 80
MAX_VIEWS_PER_USER = 100
REFUSED = "You can change your own views, and shared views of the teams you lead."


@dataclass(frozen=True)
class ViewData:
    """Raw input for a view; checked by :func:`check_data`."""

    name: str
    visibility: str = Visibility.PERSONAL
    team: Team | None = None
    filters: Any = None
    sort: Any = "updated"
    columns: Any = None


def _checked(data: ViewData) -> dict[str, Any]:
    name = " ".join(str(data.name or "").split())
    if not name or not name.isprintable():
        raise InvalidInput("Give the view a name.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The name is too long (limit {MAX_NAME}).", field="name")
    if data.visibility not in Visibility.values:
        raise InvalidInput("visibility must be 'personal' or 'team'.", field="visibility")
    if data.visibility == Visibility.TEAM and data.team is None:
        raise InvalidInput("Choose the team to share the view with.", field="team")
    return {
        "name": name,
        "visibility": data.visibility,
        "team": data.team if data.visibility == Visibility.TEAM else None,
        "filters": check_filters(data.filters).as_json(),
        "sort": check_sort(data.sort),
        "columns": check_columns(data.columns),
    }


def _snapshot(view: SavedView) -> dict[str, Any]:
    return {
        "id": view.pk,
        "name": view.name,
        "visibility": view.visibility,
        "team": view.team.name if view.team else None,
        "filters": view.filters,
        "sort": view.sort,
        "columns": view.columns,
    }


def _check_fields(actor: User, values: dict[str, Any]) -> None:
    """Field filters and columns name case fields the actor sees, and a filter's value is
    one the field can hold (the same check as setting it)."""
    visible = {d.key: d for d in field_selectors.visible_definitions(actor, Target.CASE)}
    for name, value in values["filters"].items():
        key = field_key(name)
        if key is None:
            continue
        if key not in visible:
            raise InvalidInput(f"There is no case field {key!r}.", field=name)
        field_selectors.object_ids_with(visible[key], value)
    for column in values["columns"]:
        key = field_key(column)
        if key is not None and key not in visible:
            raise InvalidInput(f"There is no case field {key!r}.", field="columns")


def _may_share(actor: User, values: dict[str, Any]) -> None:
    team = values["team"]
    if team is not None and not rules.may_share_with(actor, team):
        raise PermissionDenied("You can only share a view with a team you belong to.")


def do_create_view(*, actor: User, data: ViewData, now: datetime) -> SavedView:
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff have views.")
    values = _checked(data)
    _check_fields(actor, values)
    _may_share(actor, values)
    with transaction.atomic():
        if SavedView.objects.filter(owner=actor).count() >= MAX_VIEWS_PER_USER:
            raise InvalidInput(f"At most {MAX_VIEWS_PER_USER} views each.", field="name")
        view = SavedView.objects.create(owner=actor, created_at=now, updated_at=now, **values)
        core_audit.record("view.created", actor=actor, now=now, field="view", new=_snapshot(view))
    return view


def _locked(view_id: int) -> SavedView:
    try:
        return (
            SavedView.objects.select_for_update(of=("self",)).select_related("team").get(pk=view_id)
        )
    except SavedView.DoesNotExist:
        raise NotFound("No such view.") from None


def do_update_view(*, actor: User, view: SavedView, data: ViewData, now: datetime) -> SavedView:
    values = _checked(data)
    _check_fields(actor, values)
    _may_share(actor, values)
    with transaction.atomic():
        view = _locked(view.pk)
        if not rules.may_edit(actor, view):
            raise PermissionDenied(REFUSED)
        old = _snapshot(view)
        for key, value in values.items():
            setattr(view, key, value)
        view.updated_at = now
        view.save()
        new = _snapshot(view)
        changed = [k for k in new if new[k] != old[k]]
        if changed:
            core_audit.record(
                "view.updated",
                actor=actor,
                now=now,
                field="view",
                old={"id": view.pk, **{k: old[k] for k in changed}},
                new={"id": view.pk, **{k: new[k] for k in changed}},
            )
    return view


def do_delete_view(*, actor: User, view: SavedView, now: datetime) -> None:
    with transaction.atomic():
        view = _locked(view.pk)
        if not rules.may_edit(actor, view):
            raise PermissionDenied(REFUSED)
        old = _snapshot(view)
        view.delete()
        core_audit.record("view.deleted", actor=actor, now=now, field="view", old=old)
