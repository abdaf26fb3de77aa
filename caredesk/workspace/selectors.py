"""Reads the workspace pages share. Every case list starts from ``visible_tickets``."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from caredesk.accounts.models import Membership, Team, User
from caredesk.channels.email.selectors import latest_delivery_state
from caredesk.core.keyset import Cursor
from caredesk.customers.models import Tier
from caredesk.enrichment.models import MessageAbuse, MessageSentiment
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    AuditEvent,
    Message,
    MessageKind,
    Priority,
    Tag,
    Ticket,
    format_reference,
)
from caredesk.workspace.describe import describe_event

PAGE_SIZE = 50
MAX_PAGE = 200
# The values a list row shows (workspace/templatetags/case_rows.py and the SLA and promise
# badges), read as plain tuples: building a Ticket plus four related model instances per
# row cost far more than the query behind them. Order matches ``CaseRow``'s positional
# fields; team names come from the team list the page has already loaded (no join).
ROW_VALUES = (
    "id",
    "subject",
    "status",
    "priority",
    "updated_at",
    "next_deadline_at",
    "sla_paused_at",
    "sla_paused_minutes",
    "sla_warned",
    "next_promise_due_at",
    "customer__name",
    "organization_id",
    "organization__name",
    "organization__tier",
    "team_id",
    "assignee_id",
    "assignee__name",
    "assignee__email",
)
_TEAM = ROW_VALUES.index("team_id")


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One row of a case list: what the inbox and search show, nothing more.

    Attribute names follow ``Ticket`` where they mean the same thing, so the SLA and
    promise badges read a row as they read a case.
    """

    pk: int
    subject: str
    status: str
    priority: str
    updated_at: datetime
    next_deadline_at: datetime | None
    sla_paused_at: datetime | None
    sla_paused_minutes: int
    sla_warned: bool
    next_promise_due_at: datetime | None
    customer_name: str
    organization_id: int | None
    organization_name: str | None
    organization_tier: str | None
    team_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    assignee_email: str | None
    team_name: str | None = field(default=None, kw_only=True)
    tags: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def reference(self) -> str:
        return format_reference(self.pk)

    @property
    def assignee_display_name(self) -> str:
        """``User.display_name``: the name, or the address when there is no name."""
        return self.assignee_name or self.assignee_email or ""

    @classmethod
    def from_ticket(cls, ticket: Ticket, tags: tuple[str, ...] = ()) -> CaseRow:
        """The same row from a loaded case (search results arrive as cases)."""
        org, team, assignee = ticket.organization, ticket.team, ticket.assignee
        return cls(
            pk=ticket.pk,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            updated_at=ticket.updated_at,
            next_deadline_at=ticket.next_deadline_at,
            sla_paused_at=ticket.sla_paused_at,
            sla_paused_minutes=ticket.sla_paused_minutes,
            sla_warned=ticket.sla_warned,
            next_promise_due_at=ticket.next_promise_due_at,
            customer_name=ticket.customer.name,
            organization_id=org.pk if org is not None else None,
            organization_name=org.name if org is not None else None,
            organization_tier=org.tier if org is not None else None,
            team_id=team.pk if team is not None else None,
            assignee_id=assignee.pk if assignee is not None else None,
            assignee_name=assignee.name if assignee is not None else None,
            assignee_email=assignee.email if assignee is not None else None,
            team_name=team.name if team is not None else None,
            tags=tags,
        )


@dataclass(frozen=True)
class InboxPage:
    rows: list[CaseRow]
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


def inbox_page(
    user: User, tab: str, filters: dict[str, Any], page: int, teams: Sequence[Team] = ()
) -> InboxPage:
    """One page of 50 rows; fetches one row more to know whether there is a next page.

    On PostgreSQL the rows carry their tag names (an ``ARRAY(SELECT …)`` per row, an index
    probe each): one query. Elsewhere the tags come in a second query. Team names are read
    from ``teams`` (the page loads them for its filter anyway); a team missing from it, say
    one created a moment ago, is looked up.
    """
    page = max(1, min(page, MAX_PAGE))
    start = (page - 1) * PAGE_SIZE
    qs = inbox_queryset(user, tab, filters)
    tags: dict[int, tuple[str, ...]]
    if connection.vendor == "postgresql":
        qs = qs.annotate(tag_names=_tag_names())
        found = list(qs.values_list(*ROW_VALUES, "tag_names")[start : start + PAGE_SIZE + 1])
        values = [v[:-1] for v in found[:PAGE_SIZE]]
        tags = {v[0]: tuple(v[-1]) for v in found}
    else:
        found = list(qs.values_list(*ROW_VALUES)[start : start + PAGE_SIZE + 1])
        values = found[:PAGE_SIZE]
        tags = tag_names_for([v[0] for v in values])
    team_names = {team.pk: team.name for team in teams}
    missing = {v[_TEAM] for v in values if v[_TEAM] is not None} - team_names.keys()
    if missing:
        team_names.update(Team.objects.filter(pk__in=missing).values_list("pk", "name"))
    rows = [
        CaseRow(*v, team_name=team_names.get(v[_TEAM]), tags=tags.get(v[0], ())) for v in values
    ]
    return InboxPage(rows=rows, page=page, has_next=len(found) > PAGE_SIZE)


@functools.cache
def _tag_names() -> ArraySubquery:
    """A case's tag names in name order; built once (``annotate`` resolves a copy)."""
    names = Tag.objects.filter(tickets=OuterRef("pk")).order_by("name").values("name")
    return ArraySubquery(names)


def tag_names_for(ticket_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Tag names of each case, in name order (one query; none for an empty list)."""
    if not ticket_ids:
        return {}
    names: dict[int, list[str]] = {}
    pairs = (
        Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids)
        .order_by("tag__name")
        .values_list("ticket_id", "tag__name")
    )
    for ticket_id, name in pairs:
        names.setdefault(ticket_id, []).append(name)
    return {ticket_id: tuple(tag_list) for ticket_id, tag_list in names.items()}


def all_teams() -> list[Team]:
    return list(Team.objects.order_by("name"))


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
    # For customer messages: the sentiment score, if scored; for any message, the abuse
    # flag when it is (or was) flagged. Read in the message query (one-to-one joins).
    sentiment: MessageSentiment | None = None
    abuse: MessageAbuse | None = None

    @property
    def cursor(self) -> Cursor:
        """This entry's place in the timeline order: time, messages before events, id."""
        if self.message is not None:
            return Cursor(self.at, 0, self.message.pk)
        assert self.event is not None
        return Cursor(self.at, 1, self.event.pk)


@dataclass(frozen=True)
class TimelinePage:
    """The newest entries of a case (oldest first), and where the earlier ones start."""

    items: list[TimelineItem]
    earlier: str = ""  # cursor text of the first entry shown, when there are earlier ones

    def __iter__(self) -> Iterator[TimelineItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def original_message_id(self) -> int | None:
        """The case's first message (the original request) when this page reaches back to
        it; it cannot be split off its case."""
        if self.earlier:
            return None
        return next((i.message.pk for i in self.items if i.message), None)


# Events that only repeat what a message already shows are left out of the timeline.
_QUIET_VERBS = {"replied", "noted"}
TIMELINE_PAGE = 50


def _before(cursor: Cursor | None, rank: int) -> Q:
    """Rows of one kind (``rank``) strictly before ``cursor`` in (time, rank, id) order."""
    if cursor is None:
        return Q()
    earlier = Q(created_at__lt=cursor.at)
    if rank < cursor.rank:
        return earlier | Q(created_at=cursor.at)
    if rank == cursor.rank:
        return earlier | Q(created_at=cursor.at, id__lt=cursor.pk)
    return earlier


def case_timeline(
    ticket: Ticket, *, before: Cursor | None = None, limit: int = TIMELINE_PAGE
) -> TimelinePage:
    """The newest ``limit`` messages and audit events of a case before ``before``, in one
    list, oldest first. Three queries whatever the length of the case (messages with their
    authors, sentiment, abuse flag and delivery state; their attachments; events): each
    kind is read newest first from its (ticket, created_at) index, one row more than
    shown, and the two are merged here."""
    messages = list(
        Message.objects.filter(_before(before, 0), ticket=ticket)
        .select_related(
            "author_user", "author_customer", "sentiment", "abuse__unflagged_by", "origin_ticket"
        )
        .annotate(delivery_state=latest_delivery_state())
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    events = list(
        AuditEvent.objects.filter(_before(before, 1), ticket=ticket)
        .exclude(verb__in=_QUIET_VERBS)
        .order_by("-created_at", "-id")[: limit + 1]
    )
    items = [_message_item(m) for m in messages]
    for event in events:
        what, change = describe_event(event)
        items.append(TimelineItem(event.created_at, "event", event=event, what=what, change=change))
    items.sort(key=lambda item: item.cursor, reverse=True)
    shown = items[:limit]
    shown.reverse()
    earlier = shown[0].cursor.encode() if len(items) > limit else ""
    return TimelinePage(items=shown, earlier=earlier)


def _message_item(message: Message) -> TimelineItem:
    sentiment = _one_to_one(message, "sentiment")
    abuse = _one_to_one(message, "abuse")
    if abuse is not None and not abuse.flagged and abuse.unflagged_at is None:
        abuse = None  # scored, never flagged: nothing to show
    delivery = getattr(message, "delivery_state", None) if message.kind == MessageKind.REPLY else ""
    return TimelineItem(
        message.created_at,
        "message",
        message=message,
        delivery=delivery or "",
        sentiment=sentiment if isinstance(sentiment, MessageSentiment) else None,
        abuse=abuse if isinstance(abuse, MessageAbuse) else None,
    )


def _one_to_one(message: Message, name: str) -> Any:
    """The joined one-to-one row, or None when the message has none."""
    try:
        return getattr(message, name)
    except ObjectDoesNotExist:
        return None


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
