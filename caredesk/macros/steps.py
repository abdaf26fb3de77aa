"""The case changes a macro makes, as steps: described for the preview, run on apply.

Each step calls the owning app's action (``tickets.actions``, ``promises.actions``), so
it is checked and audited exactly as if the agent had used the case page; a step the
action refuses is reported and changes nothing (it runs in its own savepoint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from caredesk.accounts.models import Membership, Team, User
from caredesk.core.errors import DomainError
from caredesk.customfields import actions as field_actions
from caredesk.macros.models import Macro
from caredesk.promises import actions as promise_actions
from caredesk.promises.models import Kind, Promise
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Priority, Status, Ticket


@dataclass
class Outcome:
    """What applying did: the labels of the steps done, the refused ones with why."""

    done: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    promise: Promise | None = None


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    run: Callable[[Ticket, User, datetime, Outcome], None]


def _label(choices: type[Status] | type[Priority] | type[Kind], value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def promise_due(macro: Macro, now: datetime) -> datetime | None:
    if not macro.promise_kind or macro.promise_due_minutes is None:
        return None
    return now + timedelta(minutes=macro.promise_due_minutes)


def _owner_step(macro: Macro, ticket: Ticket, actor: User) -> Step | None:
    assignee: User | None
    if macro.assign_to_me:
        assignee, who = actor, f"you ({actor.display_name})"
    elif macro.set_assignee is not None:
        assignee, who = macro.set_assignee, macro.set_assignee.display_name
    else:
        assignee, who = None, ""
    team: Team | None = macro.set_team or ticket.team
    if not who and macro.set_team is None:
        return None
    if not who:
        # A new team keeps the owner only if they belong to it.
        keep = ticket.assignee
        if (
            keep is not None
            and team is not None
            and not Membership.objects.filter(team=team, user=keep).exists()
        ):
            keep = None
        assignee = keep
    label = f"Assign to {who}" if who else ""
    if macro.set_team is not None:
        label = f"{label} in {team}" if label else f"Move to team {team}"

    def run(ticket: Ticket, actor: User, now: datetime, outcome: Outcome) -> None:
        ticket_actions.do_assign(ticket, actor=actor, assignee=assignee, team=team, now=now)

    return Step("owner", label, run)


def _tags_step(macro: Macro, ticket: Ticket) -> Step | None:
    add = [t for t in macro.add_tags or [] if t]
    remove = set(macro.remove_tags or [])
    if not add and not remove:
        return None
    parts = []
    if add:
        parts.append("add tags " + ", ".join(add))
    if remove:
        parts.append("remove tags " + ", ".join(sorted(remove)))
    label = "; ".join(parts).capitalize()

    def run(ticket: Ticket, actor: User, now: datetime, outcome: Outcome) -> None:
        ticket_actions.do_change_tags(ticket, actor=actor, add=add, remove=remove, now=now)

    return Step("tags", label, run)


def _promise_step(macro: Macro, ticket: Ticket, now: datetime) -> Step | None:
    due = promise_due(macro, now)
    if due is None:
        return None
    words = when_words(due, desk_zone(ticket.team))
    label = f"Promise ({_label(Kind, macro.promise_kind)}): {macro.promise_text} — due {words}"

    def run(ticket: Ticket, actor: User, now: datetime, outcome: Outcome) -> None:
        draft = promise_actions.PromiseDraft(
            kind=macro.promise_kind, text=macro.promise_text, due_at=promise_due(macro, now)
        )
        outcome.promise = promise_actions.do_make_promise(ticket, actor=actor, draft=draft, now=now)

    return Step("promise", label, run)


def _fields_step(macro: Macro) -> Step | None:
    """Set custom case fields (before the status: a macro that resolves fills the fields
    the resolution requires first)."""
    wanted = dict(macro.set_fields or {})
    if not wanted:
        return None
    label = "Set " + "; ".join(
        f"{key} to {', '.join(v) if isinstance(v, list) else ('empty' if v is None else v)}"
        for key, v in wanted.items()
    )

    def run(ticket: Ticket, actor: User, now: datetime, outcome: Outcome) -> None:
        field_actions.do_set_field_values(ticket, actor=actor, values=wanted, now=now)

    return Step("fields", label, run)


def plan(macro: Macro, ticket: Ticket, actor: User, now: datetime) -> list[Step]:
    """The steps of ``macro`` on ``ticket``, in the order they run: owner, priority, tags,
    promise, and the status last (a macro that resolves does so after its other changes)."""
    steps: list[Step | None] = [_owner_step(macro, ticket, actor)]
    if macro.set_priority:
        priority = macro.set_priority

        def set_priority(ticket: Ticket, actor: User, now: datetime, outcome: Outcome) -> None:
            ticket_actions.do_change_priority(ticket, actor=actor, priority=priority, now=now)

        label = f"Set priority to {_label(Priority, priority)}"
        steps.append(Step("priority", label, set_priority))
    steps.append(_tags_step(macro, ticket))
    steps.append(_promise_step(macro, ticket, now))
    steps.append(_fields_step(macro))
    if macro.set_status:
        status = macro.set_status

        def set_status(ticket: Ticket, actor: User, now: datetime, outcome: Outcome) -> None:
            ticket_actions.do_change_status(ticket, actor=actor, status=status, now=now)

        steps.append(Step("status", f"Set status to {_label(Status, status)}", set_status))
    return [s for s in steps if s is not None]


def run(steps: list[Step], ticket: Ticket, actor: User, now: datetime) -> Outcome:
    """Run each step in its own savepoint; a refused step is reported and rolled back."""
    outcome = Outcome()
    for step in steps:
        try:
            with transaction.atomic():
                fresh = Ticket.objects.select_related("team", "assignee", "customer").get(
                    pk=ticket.pk
                )
                step.run(fresh, actor, now, outcome)
        except DomainError as error:
            outcome.refused.append({"step": step.key, "label": step.label, "reason": error.message})
        else:
            outcome.done.append(step.label)
    return outcome
