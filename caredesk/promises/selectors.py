"""Reads the promise pages share. Cases are reached only through ``visible_tickets``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, STAFF_ROLES, Role, User
from caredesk.core.errors import NotFound
from caredesk.promises import engine
from caredesk.promises.models import PENDING_STATES, Promise
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import Ticket

MY_LIMIT = 100


def case_promises(ticket: Ticket) -> list[Promise]:
    """Every promise on the case: pending ones first (soonest due), then the settled ones."""
    rows = list(
        Promise.objects.filter(ticket_id=ticket.pk)
        .select_related("owner", "created_by", "kept_by", "team")
        .prefetch_related("changes__actor", "changes__old_owner", "changes__new_owner")
        .order_by("due_at", "id")
    )
    pending = [p for p in rows if p.is_pending]
    settled = sorted((p for p in rows if not p.is_pending), key=lambda p: -p.pk)
    return pending + settled


def portal_promises(ticket: Ticket) -> list[Promise]:
    """What the customer sees: visible promises, pending first."""
    rows = list(
        Promise.objects.filter(ticket_id=ticket.pk, customer_visible=True).order_by("due_at", "id")
    )
    return sorted(rows, key=lambda p: (not p.is_pending,))


def staff_choices() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("name", "id"))


def promise_for(user: User, promise_id: int) -> Promise:
    """A promise the user may see: its case must be visible to them. Else NotFound."""
    try:
        promise = Promise.objects.select_related("ticket", "owner", "team").get(pk=promise_id)
    except (Promise.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(gettext("No such promise.")) from None
    if not visible_tickets(user).filter(pk=promise.ticket_id).exists():
        raise NotFound(gettext("No such promise."))
    if user.is_customer and not promise.customer_visible:
        raise NotFound(gettext("No such promise."))
    return promise


@dataclass(frozen=True)
class MyPromises:
    mine: list[Promise]
    team: list[Promise]


def my_promises(user: User) -> MyPromises:
    mine = list(
        Promise.objects.filter(owner=user, state__in=PENDING_STATES)
        .select_related("ticket", "team")
        .order_by("due_at", "id")[:MY_LIMIT]
    )
    team: list[Promise] = []
    if user.level >= ROLE_LEVEL[Role.LEAD]:
        led = user.teams_led.values("pk")
        qs: QuerySet[Promise] = Promise.objects.filter(state__in=PENDING_STATES)
        if not user.sees_all_cases:
            qs = qs.filter(ticket__team__in=led)
        team = list(
            qs.exclude(owner=user)
            .select_related("ticket", "owner", "team")
            .order_by("due_at", "id")[:MY_LIMIT]
        )
    return MyPromises(mine=mine, team=team)


def due_promise_case(agent: User, now: datetime) -> tuple[Ticket, str] | None:
    """Next case's first stop (``CAREDESK_NEXT_CASE_FIRST``): the case of the agent's own
    promise that falls due soonest within the reminder lead time (or is already missed
    and not kept yet), so a due promise is never buried under queue work."""
    horizon = now + engine.reminder_lead()
    promise = (
        Promise.objects.filter(owner_id=agent.pk, state__in=PENDING_STATES, due_at__lte=horizon)
        .select_related("ticket", "team")
        .order_by("due_at", "pk")
        .first()
    )
    if promise is None:
        return None
    when = when_words(promise.due_at, desk_zone(promise.team))
    verb = "was due" if promise.due_at <= now else "is due"
    return promise.ticket, (
        f"Your promise on {promise.ticket.reference} {verb} {when}: {promise.text[:120]}"
    )
