"""Reads of saved views: which views a user sees, the cases a view shows, and its count.

Every case list starts from ``visible_tickets`` (a view never widens what a user may
see). Counts are capped: counting stops after :data:`COUNT_CAP` rows, so a view over a
million cases costs a bounded index scan, and shows "1,000+".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from caredesk.accounts.models import Membership, User
from caredesk.core.errors import InvalidInput, NotFound
from caredesk.customers.models import Tier
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import Target
from caredesk.savedviews.filters import ViewFilters, check_filters
from caredesk.savedviews.models import SavedView, Visibility
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import DONE_STATUSES, OPEN_STATUSES, Priority, Ticket

COUNT_CAP = 1000


@dataclass(frozen=True)
class BuiltinView:
    key: str
    name: str
    filters: ViewFilters
    sort: str = "updated"


# The inbox's fixed tabs, as views everyone has (they cannot be changed or deleted).
BUILTIN_VIEWS = {
    "mine": BuiltinView("mine", "Mine", ViewFilters(assignee="me")),
    "teams": BuiltinView("teams", "My teams", ViewFilters(my_teams=True)),
    "unassigned": BuiltinView("unassigned", "Unassigned", ViewFilters(assignee="none")),
    "open": BuiltinView("open", "All open", ViewFilters()),
}


def _my_teams(user: User) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user_id=user.pk).values("team_id")


def visible_views(user: User) -> QuerySet[SavedView]:
    """The views ``user`` sees: their personal ones and those shared with their teams."""
    if not user.is_authenticated or not user.is_agent_staff:
        return SavedView.objects.none()
    return SavedView.objects.filter(
        Q(visibility=Visibility.PERSONAL, owner_id=user.pk)
        | Q(visibility=Visibility.TEAM, team_id__in=_my_teams(user))
    ).select_related("team", "owner")


def get_view(user: User, view_id: int) -> SavedView:
    """A view ``user`` sees; others are not found (not theirs to know about)."""
    try:
        view = visible_views(user).filter(pk=view_id).first()
    except (ValueError, TypeError, OverflowError):
        view = None
    if view is None:
        raise NotFound("No such view.")
    return view


def view_filters(view: SavedView) -> ViewFilters:
    return check_filters(view.filters)


def cases(user: User, filters: ViewFilters, sort: str = "updated") -> QuerySet[Ticket]:
    """The cases the filters select among those ``user`` may see, in ``sort`` order."""
    return _filtered(user, filters).order_by(*_ordering(sort))


def _filtered(user: User, f: ViewFilters) -> QuerySet[Ticket]:
    qs = visible_tickets(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    elif f.state == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.state == "done":
        qs = qs.filter(status__in=DONE_STATUSES)
    if f.priority:
        qs = qs.filter(priority__in=f.priority)
    if f.channel:
        qs = qs.filter(channel__in=f.channel)
    teams = Q()
    if f.team:
        teams |= Q(team_id__in=f.team)
    if f.my_teams:
        teams |= Q(team_id__in=_my_teams(user))
    if f.no_team:
        teams |= Q(team__isnull=True)
    if teams:
        qs = qs.filter(teams)
    if f.assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee:
        qs = qs.filter(assignee_id=int(f.assignee))
    if f.tags:
        # Any of the tags; a subquery, so a case with two of them is still one row.
        tagged = Ticket.tags.through.objects.filter(tag__name__in=f.tags).values("ticket_id")
        qs = qs.filter(pk__in=tagged)
    if f.tier:
        tiers = Q(organization__tier__in=f.tier)
        if Tier.STANDARD in f.tier:
            tiers |= Q(organization__isnull=True)
        qs = qs.filter(tiers)
    if f.sla == "breached":
        qs = qs.filter(sla_breached=True)
    elif f.sla == "warned":
        qs = qs.filter(sla_warned=True, sla_breached=False)
    elif f.sla == "ok":
        qs = qs.filter(sla_warned=False, sla_breached=False)
    if f.fields:
        qs = _by_fields(user, qs, f.fields)
    return qs


def _by_fields(user: User, qs: QuerySet[Ticket], wanted: dict[str, str]) -> QuerySet[Ticket]:
    """Cases whose custom fields hold these values: one indexed subquery each. A field
    the user does not see (or one retired since the view was saved) matches nothing."""
    visible = {d.key: d for d in field_selectors.visible_definitions(user, Target.CASE)}
    for key, value in wanted.items():
        definition = visible.get(key)
        if definition is None:
            return qs.none()
        try:
            qs = qs.filter(pk__in=field_selectors.object_ids_with(definition, value))
        except InvalidInput:
            return qs.none()
    return qs


def _ordering(sort: str) -> tuple[Any, ...]:
    if sort == "waiting":
        return (F("last_customer_message_at").asc(nulls_last=True), "id")
    if sort == "created":
        return ("-created_at", "-id")
    if sort == "promises":
        return (F("next_promise_due_at").asc(nulls_last=True), "id")
    if sort == "priority":
        rank = Case(
            When(priority=Priority.URGENT, then=Value(0)),
            When(priority=Priority.HIGH, then=Value(1)),
            When(priority=Priority.NORMAL, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return (rank.asc(), "-updated_at", "-id")
    return ("-updated_at", "-id")


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool

    @property
    def label(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"


def capped_count(user: User, filters: ViewFilters, cap: int = COUNT_CAP) -> Count:
    """How many cases the view shows, counting at most ``cap`` + 1 rows (one query)."""
    found = _filtered(user, filters).order_by().values("pk")[: cap + 1].count()
    return Count(min(found, cap), found > cap)


@dataclass(frozen=True)
class SidebarEntry:
    key: str  # "mine", "teams"… for built-in views, "v<id>" for saved ones
    name: str
    count: Count
    view: SavedView | None = None


def sidebar(user: User) -> list[SidebarEntry]:
    """The inbox sidebar: built-in views, then the user's saved views, each with its
    capped count (one query for the list, one per view)."""
    entries = [
        SidebarEntry(b.key, b.name, capped_count(user, b.filters)) for b in BUILTIN_VIEWS.values()
    ]
    for view in visible_views(user):
        entries.append(
            SidebarEntry(f"v{view.pk}", view.name, capped_count(user, view_filters(view)), view)
        )
    return entries
