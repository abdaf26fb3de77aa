"""The saved-view form: what the "New view" and "Edit view" pages post, read into a
:class:`~caredesk.savedviews.actions.ViewData`, and the values a form shows for a stored
view. The checks themselves are the filters module's (one place for every input path);
this only turns form fields into the mapping it checks.

Filters the form has no field for (set through the API, e.g. by a newer version) are
kept as they are when a view is edited here, and listed on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team
from caredesk.core.errors import InvalidInput
from caredesk.customers.models import Tier
from caredesk.savedviews.actions import ViewData
from caredesk.savedviews.filters import (
    COLUMNS,
    DEFAULT_COLUMNS,
    FIELD_PREFIX,
    MAX_FIELD_FILTERS,
    MAX_LIST,
    SLA_STATES,
    SORTS,
    STATES,
    ViewFilters,
    check_filters,
    field_key,
)
from caredesk.savedviews.models import SavedView, Visibility
from caredesk.tickets.models import Channel, Priority, Status

# The filters this form edits; any other stored key is carried over unchanged.
FORM_FILTERS = (
    "state",
    "status",
    "priority",
    "channel",
    "tier",
    "team",
    "my_teams",
    "no_team",
    "assignee",
    "tags",
    "sla",
)
MAX_TEXT = 2_000

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Choices:
    """What the form offers (the same lists the filters accept)."""

    states: tuple[tuple[str, StrOrPromise], ...] = (
        ("open", _("Open cases")),
        ("done", _("Resolved and closed")),
        ("any", _("Any status")),
    )
    statuses: tuple[tuple[str, StrOrPromise], ...] = tuple(Status.choices)
    priorities: tuple[tuple[str, StrOrPromise], ...] = tuple(Priority.choices)
    channels: tuple[tuple[str, StrOrPromise], ...] = tuple(Channel.choices)
    tiers: tuple[tuple[str, StrOrPromise], ...] = tuple(Tier.choices)
    sla_states: tuple[tuple[str, StrOrPromise], ...] = tuple(SLA_STATES.items())
    sorts: tuple[tuple[str, StrOrPromise], ...] = tuple(SORTS.items())
    columns: tuple[tuple[str, StrOrPromise], ...] = tuple(COLUMNS.items())


CHOICES = Choices()
assert {k for k, _ in CHOICES.states} == set(STATES)


def _many(post: QueryDict, name: str) -> list[str]:
    # More values than any filter accepts are passed on, so the check names the field.
    return [v[:100] for v in post.getlist(name)[: MAX_LIST + 1] if v]


def filters_from_post(post: QueryDict, *, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    """The raw filter mapping from the form's fields (checked by the action), with
    ``kept``: the stored filters the form does not show."""
    raw: dict[str, Any] = {
        k: v for k, v in (kept or {}).items() if k not in FORM_FILTERS and not _is_field(k)
    }
    raw["state"] = post.get("state", "open")[:20]
    for name in ("status", "priority", "channel", "tier", "team"):
        values = _many(post, name)
        if values:
            raw[name] = values
    for name in ("my_teams", "no_team"):
        if post.get(name):
            raw[name] = post.get(name, "")[:5]
    for name in ("assignee", "sla"):
        value = post.get(name, "")[:20]
        if value:
            raw[name] = value
    tags = [t for t in post.get("tags", "")[:MAX_TEXT].replace(",", " ").split() if t]
    if tags:
        raw["tags"] = tags[: MAX_LIST + 1]
    raw.update(_field_lines(post.get("field_filters", "")[:MAX_TEXT]))
    return raw


def _is_field(name: str) -> bool:
    return name.startswith(FIELD_PREFIX)


def _field_lines(text: str) -> dict[str, str]:
    """The form's custom field filters: one "key=value" a line (a line without "=" is
    passed on as it is, so the check names it)."""
    found: dict[str, str] = {}
    for line in text.splitlines()[: MAX_FIELD_FILTERS + 1]:
        key, _, value = line.partition("=")
        if key.strip():
            found[FIELD_PREFIX + key.strip()] = value.strip()
    return found


def field_lines(filters: ViewFilters) -> str:
    return "\n".join(f"{k}={v}" for k, v in filters.fields.items())


def data_from_post(post: QueryDict, *, kept: dict[str, Any] | None = None) -> ViewData:
    """The view the form describes: name, sharing, filters, sort and columns."""
    team = None
    team_id = post.get("share", "")
    if team_id.isdigit() and len(team_id) < 10:
        team = Team.objects.filter(pk=int(team_id)).first()
    return ViewData(
        name=post.get("name", "")[:500],
        visibility=Visibility.TEAM if team is not None else Visibility.PERSONAL,
        team=team,
        filters=filters_from_post(post, kept=kept),
        sort=post.get("sort", "updated")[:40],
        columns=_many(post, "columns") or None,
    )


@dataclass(frozen=True)
class FormValues:
    """What a form shows: a stored view's values, or what was just posted (after an
    error), or the defaults of a new view."""

    name: str
    share: str
    sort: str
    filters: ViewFilters
    tags: str
    columns: list[str]
    extra: dict[str, Any]
    field_filters: str = ""


def values_for(view: SavedView | None) -> FormValues:
    if view is None:
        filters = ViewFilters()
        return FormValues("", "", "updated", filters, "", list(DEFAULT_COLUMNS), {})
    filters = check_filters(view.filters)
    return FormValues(
        name=view.name,
        share=str(view.team_id or ""),
        sort=view.sort,
        filters=filters,
        tags=" ".join(filters.tags),
        columns=list(view.columns or DEFAULT_COLUMNS),
        extra=kept_filters(view),
        field_filters=field_lines(filters),
    )


def values_posted(post: QueryDict, view: SavedView | None) -> FormValues:
    """The posted values shown again after a refusal, so nothing typed is lost. Input
    that did not pass the checks is shown as far as it is valid."""
    raw = filters_from_post(post)
    safe = {k: v for k, v in raw.items() if _passes(k, v)}
    return FormValues(
        name=post.get("name", "")[:200],
        share=post.get("share", "")[:10],
        sort=post.get("sort", "updated")[:40],
        filters=check_filters(safe),
        tags=post.get("tags", "")[:MAX_TEXT],
        columns=[c for c in _many(post, "columns") if c in COLUMNS or field_key(c)]
        or list(DEFAULT_COLUMNS),
        extra=kept_filters(view) if view is not None else {},
        field_filters=post.get("field_filters", "")[:MAX_TEXT],
    )


def _passes(key: str, value: Any) -> bool:
    try:
        check_filters({key: value})
    except InvalidInput:
        return False
    return True


def kept_filters(view: SavedView) -> dict[str, Any]:
    return {
        k: v for k, v in (view.filters or {}).items() if k not in FORM_FILTERS and not _is_field(k)
    }
