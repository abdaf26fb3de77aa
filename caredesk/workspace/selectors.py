"""Reads the workspace pages share. Every case list starts from ``visible_tickets``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from caredesk.accounts.models import STAFF_ROLES, Membership, Team, User
from caredesk.channels.email.selectors import delivery_status_for_messages
from caredesk.customers.models import Tier
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    AuditEvent,
    Message,
    MessageKind,
    Priority,
    Ticket,
)
from caredesk.workspace.describe import describe_event

PAGE_SIZE = 50
MAX_PAGE = 200
LIST_RELATED = ("customer", "organization", "team", "assignee")
# The columns a list row shows (workspace/templatetags/case_rows.py and the SLA and promise
# badges). A case row carries many deadline columns; loading only these halves the cost
# of a page. The constant-query tests catch a row that touches a deferred column.
LIST_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "updated_at",
    "created_at",
    "last_customer_message_at",
    "next_deadline_at",
    "sla_paused_at",
    "sla_paused_minutes",
    "sla_warned",
    "next_promise_due_at",
    "customer__id",
    "customer__name",
    "organization__id",
    "organization__name",
    "organization__tier",
    "team__id",
    "team__name",
    "assignee__id",
    "assignee__name",
    "assignee__email",
)


@dataclass(frozen=True)
class InboxPage:
    tickets: list[Ticket]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def inbox_queryset(user: User, tab: str, filters: dict[str, Any]) -> QuerySet[Ticket]:
    qs = visible_tickets(user)
    if tab == "mine":
        qs = qs.filter(assignee_id=user.pk, status__in=OPEN_STATUSES)
    elif tab == "teams":
        my_teams = Membership.objects.filter(user_id=user.pk).values("team_id")
        qs = qs.filter(team_id__in=my_teams, status__in=OPEN_STATUSES)
    elif tab == "unassigned":
        qs = qs.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    elif tab == "resolved":
        qs = qs.filter(status__in=DONE_STATUSES)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("priority"):
        qs = qs.filter(priority=filters["priority"])
    if filters.get("team") is not None:
        qs = qs.filter(team_id=filters["team"])
    tag = "-".join(str(filters.get("tag") or "").strip().lower().split())
    if tag:
        qs = qs.filter(tags__name=tag)
    tier = filters.get("tier")
    if tier == Tier.STANDARD:
        qs = qs.filter(Q(organization__isnull=True) | Q(organization__tier=Tier.STANDARD))
    elif tier:
        qs = qs.filter(organization__tier=tier)
    return qs.order_by(*_ordering(filters.get("sort") or "updated"))


def _ordering(sort: str) -> tuple[Any, ...]:
    if sort == "waiting":
        # Longest-waiting customer first; cases the customer never wrote on go last.
        return (F("last_customer_message_at").asc(nulls_last=True), "id")
    if sort == "created":
        return ("-created_at", "-id")
    if sort == "promises":
        # Nearest promise first (overdue ones lead); cases without a promise go last.
        return (F("next_promise_due_at").asc(nulls_last=True), "id")
    if sort == "priority":
        # Lexical order of the stored values is not urgency order, so rank them explicitly.
        rank = Case(
            When(priority=Priority.URGENT, then=Value(0)),
            When(priority=Priority.HIGH, then=Value(1)),
            When(priority=Priority.NORMAL, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return (rank.asc(), "-updated_at", "-id")
    return ("-updated_at", "-id")


def inbox_page(user: User, tab: str, filters: dict[str, Any], page: int) -> InboxPage:
    """One page of 50 rows; fetches one row more to know whether there is a next page."""
    page = max(1, min(page, MAX_PAGE))
    start = (page - 1) * PAGE_SIZE
    qs = (
        inbox_queryset(user, tab, filters)
        .select_related(*LIST_RELATED)
        .only(*LIST_COLUMNS)
        .prefetch_related("tags")
    )
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return InboxPage(tickets=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE)


def all_teams() -> list[Team]:
    return list(Team.objects.order_by("name"))


def assignable_staff() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "message" or "event"
    message: Message | None = None
    event: AuditEvent | None = None
    what: str = ""
    change: str = ""
    # For mailed replies: the email delivery state (queued, sent, failed, bounced…).
    delivery: str = ""


# Events that only repeat what a message already shows are left out of the timeline.
_QUIET_VERBS = {"replied", "noted"}


def case_timeline(ticket: Ticket) -> list[TimelineItem]:
    """Messages (with attachments) and audit events in one list, oldest first."""
    messages = list(
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    events = list(
        AuditEvent.objects.filter(ticket=ticket)
        .exclude(verb__in=_QUIET_VERBS)
        .order_by("created_at", "id")
    )
    delivery = delivery_status_for_messages(m.pk for m in messages if m.kind == MessageKind.REPLY)
    items = [
        TimelineItem(m.created_at, "message", message=m, delivery=delivery.get(m.pk, ""))
        for m in messages
    ]
    for event in events:
        what, change = describe_event(event)
        items.append(TimelineItem(event.created_at, "event", event=event, what=what, change=change))
    # Stable sort: at equal times, messages come before the events they caused.
    items.sort(key=lambda item: (item.at, item.kind != "message"))
    return items


def other_cases(user: User, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    return list(
        visible_tickets(user)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at", "-id")[:limit]
    )


def customer_identities(ticket: Ticket) -> list[Any]:
    return list(ticket.customer.identities.all())


def ticket_tag_names(ticket: Ticket) -> list[str]:
    return sorted(ticket.tags.values_list("name", flat=True))
