"""What the promise actions share: the alarm and the case's nearest promise, the owner's
lead, and handing a promise to someone else. Called inside an action's transaction."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import deadlines
from caredesk.promises import engine
from caredesk.promises.models import PENDING_STATES, Promise, PromiseChange, State
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

ALARM = "promise.alarm"  # the deadline kind of ``Promise.alarm_at`` (CAREDESK_DEADLINES)


def set_alarm(promise: Promise) -> None:
    """Store the alarm and schedule its deadline (after commit)."""
    old = promise.alarm_at
    promise.alarm_at = engine.next_alarm(promise)
    Promise.objects.filter(pk=promise.pk).update(alarm_at=promise.alarm_at)
    if promise.alarm_at is not None and promise.alarm_at != old:
        deadlines.schedule(ALARM, [promise.pk], promise.alarm_at)


def refresh_ticket(ticket_id: int) -> datetime | None:
    """Store the case's nearest pending promise on the case row (the inbox sorts by it)."""
    nearest = Promise.objects.filter(ticket_id=ticket_id, state__in=PENDING_STATES).aggregate(
        nearest=Min("due_at")
    )["nearest"]
    Ticket.objects.filter(pk=ticket_id).update(next_promise_due_at=nearest)
    return nearest


def lead_for(owner: User | None, ticket: Ticket) -> User | None:
    """The owner's lead: the case team's lead if the owner works in it, else the lead of
    one of the owner's teams, else the case team's lead. Never the owner themself."""
    team = ticket.team
    if owner is None:
        return team.lead if team is not None and team.lead is not None else None
    candidates: list[User | None] = []
    if team is not None and team.members.filter(pk=owner.pk).exists():
        candidates.append(team.lead)
    candidates += [t.lead for t in owner.teams.select_related("lead").order_by("name")]
    if team is not None:
        candidates.append(team.lead)
    for user in candidates:
        if user is not None and user.pk != owner.pk and user.is_agent_staff:
            return user
    return None


def change_owner(
    promise: Promise, *, actor: User | None, owner: User, now: datetime, reason: str, verb: str
) -> PromiseChange:
    old_owner = promise.owner
    promise.owner = owner
    fields = ["owner"]
    if promise.state == State.MISSED and actor is not None and actor.level >= ROLE_LEVEL[Role.LEAD]:
        # A lead took over the missed promise within the grace period: the lead speaks to
        # the customer, so the automatic update is not sent.
        promise.taken_over_at = now
        fields.append("taken_over_at")
    promise.save(update_fields=fields)
    change = PromiseChange.objects.create(
        promise=promise,
        what=PromiseChange.What.OWNER,
        actor=actor,
        old_owner=old_owner,
        new_owner=owner,
        reason=reason,
        created_at=now,
    )
    audit.record(
        promise.ticket,
        actor,
        verb,
        now=now,
        field="owner",
        old={"promise": promise.text, "owner": old_owner.display_name if old_owner else None},
        new={"promise": promise.text, "owner": owner.display_name},
        note=reason,
    )
    set_alarm(promise)
    return change
