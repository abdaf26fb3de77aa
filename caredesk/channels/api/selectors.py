"""Reads the API shares. Every case read starts from visible_tickets / access_ticket."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet

from caredesk.accounts.models import Membership, Team, User
from caredesk.channels.api import pagination
from caredesk.channels.api.schemas import CaseFilters, CustomerFilters
from caredesk.core.errors import InvalidInput, PermissionDenied
from caredesk.customers.models import Customer, Organization
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import Target
from caredesk.tickets.access import customer_messages, visible_tickets
from caredesk.tickets.models import Message, Ticket
from caredesk.tickets.search import search_tickets

CUSTOMER_FILTERS = {"status", "priority", "q"}
# search_tickets() serves at most this many pages.
MAX_SEARCH_PAGE = 500

Page = tuple[list[Ticket], str | None]
_Row = TypeVar("_Row", Customer, Organization, Team)


def _with_relations(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related(
        "customer", "organization", "team", "assignee", "mood"
    ).prefetch_related("tags")


def case_as_written(pk: int) -> Ticket:
    """A case just written by this request, with what its API body shows, in two reads
    (the row with its relations and mood, then its tags): the deadlines the SLA reaction
    wrote with its own UPDATE are read back, not the stale ones of the object in hand."""
    return _with_relations(Ticket.objects.filter(pk=pk)).get()


def _filtered(user: User, filters: CaseFilters) -> QuerySet[Ticket]:
    used = {name for name, value in filters.model_dump().items() if value is not None}
    if user.is_customer and used - CUSTOMER_FILTERS:
        raise PermissionDenied(
            "Customer tokens can filter cases by status, priority and q only "
            f"(not {', '.join(sorted(used - CUSTOMER_FILTERS))}).",
            code="filter_not_allowed",
        )
    qs = visible_tickets(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.assignee:
        qs = qs.filter(assignee_id=filters.assignee)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag.strip().lower())
    if filters.tier:
        qs = qs.filter(organization__tier=filters.tier)
    if filters.field:
        qs = qs.filter(pk__in=_field_match(user, filters.field))
    return qs


def _field_match(user: User, text: str) -> Any:
    """The ids of the cases whose custom field holds the value (``key=value``)."""
    key, sep, value = text.partition("=")
    visible = {d.key: d for d in field_selectors.visible_definitions(user, Target.CASE)}
    definition = visible.get(key.strip())
    if not sep or definition is None:
        raise InvalidInput(
            f"field is key=value with the key of a case field you see, not {text[:40]!r}.",
            field="field",
        )
    return field_selectors.object_ids_with(definition, value)


def case_page(user: User, filters: CaseFilters, cursor: str | None, limit: int) -> Page:
    """Newest activity first, keyset-paginated over (updated_at, id); or, with ``q``,
    ranked search results page by page."""
    qs = _filtered(user, filters)
    if filters.q and filters.q.strip():
        return _search_page(user, qs, filters.q, cursor, limit)
    qs = qs.filter(pagination.keyset_after(cursor, "updated_at", descending=True))
    rows = list(_with_relations(qs.order_by("-updated_at", "-id"))[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], pagination.keyset_cursor(last.updated_at, last.pk)


def _search_page(
    user: User, qs: QuerySet[Ticket], text: str, cursor: str | None, limit: int
) -> Page:
    page = 1
    if cursor:
        data = pagination.decode_cursor(cursor, {"p"})
        page = pagination.cursor_int(data, "p", minimum=2)
        if page > MAX_SEARCH_PAGE:
            return [], None
    found = search_tickets(user, text, page=page, per_page=limit)
    ids = [t.pk for t in found.tickets]
    # Other filters narrow each ranked page; a page may then hold fewer than ``limit``.
    by_id = {t.pk: t for t in _with_relations(qs.filter(pk__in=ids))}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    more = found.has_next and found.page == page and page < MAX_SEARCH_PAGE
    return rows, pagination.encode_cursor({"p": page + 1}) if more else None


def message_page(
    user: User, ticket: Ticket, cursor: str | None, limit: int
) -> tuple[list[Message], str | None]:
    qs = Message.objects.filter(ticket_id=ticket.pk)
    if user.is_customer:
        qs = customer_messages(ticket)  # public, and none from another customer's case
    qs = qs.filter(pagination.keyset_after(cursor, "created_at", descending=False))
    rows = list(
        qs.select_related("author_user", "author_customer", "abuse", "sentiment")
        .prefetch_related("attachments")
        .order_by("created_at", "id")[: limit + 1]
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], pagination.keyset_cursor(last.created_at, last.pk)


def customer_queryset() -> QuerySet[Customer]:
    return Customer.objects.select_related("organization").prefetch_related("identities")


def customer_page(
    filters: CustomerFilters, cursor: str | None, limit: int
) -> tuple[list[Customer], str | None]:
    qs = customer_queryset()
    if filters.email:
        qs = qs.filter(identities__kind="email", identities__value=filters.email.strip().lower())
    if filters.organization:
        qs = qs.filter(organization_id=filters.organization)
    return _id_page(qs.filter(pagination.after_id(cursor)).order_by("id"), limit)


def organization_page(cursor: str | None, limit: int) -> tuple[list[Organization], str | None]:
    qs = Organization.objects.filter(pagination.after_id(cursor)).order_by("id")
    return _id_page(qs, limit)


def team_queryset() -> QuerySet[Team]:
    members = Membership.objects.select_related("user").order_by("user__name", "user_id")
    return Team.objects.select_related("lead").prefetch_related(
        Prefetch("membership_set", queryset=members)
    )


def team_page(cursor: str | None, limit: int) -> tuple[list[Team], str | None]:
    return _id_page(team_queryset().filter(pagination.after_id(cursor)).order_by("id"), limit)


def _id_page(qs: QuerySet[_Row], limit: int) -> tuple[list[_Row], str | None]:
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], pagination.id_cursor(rows[limit - 1].pk)
