"""Bulk actions: one change applied to many selected cases.

Each case goes through the SAME action the case page uses (assign, status, priority,
tags, macro), in its own transaction with its own audit event — never a
``queryset.update``. A case the action refuses is reported with the reason, and the
others still change. The change itself is checked once, before any case is touched:
a malformed change or an oversized selection is refused as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Membership, Team, User
from caredesk.core import audit as core_audit
from caredesk.core.errors import DomainError, InvalidInput, PermissionDenied
from caredesk.macros import actions as macro_actions
from caredesk.macros import selectors as macro_selectors
from caredesk.macros.models import Macro
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Priority, Status, Ticket

MAX_SELECTION = 500
OPERATIONS = {
    "assign": _("Assign"),
    "status": _("Change status"),
    "priority": _("Change priority"),
    "team": _("Move to team"),
    "add_tags": _("Add tags"),
    "remove_tags": _("Remove tags"),
    "macro": _("Apply macro"),
    "close": _("Close"),
}


@dataclass(frozen=True)
class BulkChange:
    """Raw input: the operation and the value it needs (checked by :func:`check_change`)."""

    op: str
    assignee_id: int | None = None  # assign: None unassigns
    team_id: int | None = None  # team (and assign: optionally the team too)
    status: str = ""
    priority: str = ""
    tags: Sequence[str] = ()
    macro_id: int | None = None


@dataclass(frozen=True)
class _Checked:
    op: str
    assignee: User | None = None
    team: Team | None = None
    status: str = ""
    priority: str = ""
    tags: tuple[str, ...] = ()
    macro: Macro | None = None


@dataclass
class Summary:
    op: str
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.changed) + len(self.unchanged) + len(self.refused)


def check_selection(ids: Sequence[Any]) -> list[int]:
    """The selected case ids, each a positive integer, at most :data:`MAX_SELECTION`."""
    if not isinstance(ids, (list, tuple)):
        raise InvalidInput("Send the case ids as a list.", field="case_ids")
    if not ids:
        raise InvalidInput("Select at least one case.", field="case_ids")
    if len(ids) > MAX_SELECTION:
        raise InvalidInput(
            f"{len(ids):,} cases selected; bulk actions take at most {MAX_SELECTION} at once. "
            "Narrow the view or select fewer.",
            field="case_ids",
            code="selection_too_large",
        )
    found: list[int] = []
    for raw in ids:
        value = raw
        if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 10:
            value = int(raw.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
            raise InvalidInput(f"{str(raw)[:40]!r} is not a case id.", field="case_ids")
        if value not in found:
            found.append(value)
    return found


def check_change(actor: User, change: BulkChange) -> _Checked:
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff can change cases.")
    op = change.op
    if op not in OPERATIONS:
        raise InvalidInput(f"Unknown bulk action {str(op)[:40]!r}.", field="op")
    team = None
    if change.team_id is not None:
        team = Team.objects.filter(pk=change.team_id).first()
        if team is None:
            raise InvalidInput("There is no such team.", field="team_id")
    if op == "team" and team is None:
        raise InvalidInput("Choose the team to move the cases to.", field="team_id")
    assignee = None
    if op == "assign" and change.assignee_id is not None:
        assignee = User.objects.filter(pk=change.assignee_id).first()
        if assignee is None or not assignee.is_agent_staff:
            raise InvalidInput("There is no such staff member.", field="assignee_id")
    if op == "status" and change.status not in Status.values:
        raise InvalidInput("Choose a status.", field="status")
    if op == "priority" and change.priority not in Priority.values:
        raise InvalidInput("Choose a priority.", field="priority")
    tags: tuple[str, ...] = ()
    if op in ("add_tags", "remove_tags"):
        if isinstance(change.tags, str) or any(not isinstance(t, str) for t in change.tags):
            raise InvalidInput("Tags are a list of names.", field="tags")
        try:
            tags = tuple(ticket_actions.normalize_tags(change.tags))
        except DomainError as error:
            raise InvalidInput(error.message, field="tags") from None
        if not tags:
            raise InvalidInput("Give at least one tag.", field="tags")
    macro = None
    if op == "macro":
        if change.macro_id is None:
            raise InvalidInput("Choose a macro.", field="macro_id")
        macro = macro_selectors.usable(actor, change.macro_id)
    return _Checked(
        op=op,
        assignee=assignee,
        team=team,
        status=change.status,
        priority=change.priority,
        tags=tags,
        macro=macro,
    )


def _apply_one(actor: User, ticket: Ticket, c: _Checked, now: datetime) -> bool:
    """Run the one action; True when something changed."""
    before = (ticket.assignee_id, ticket.team_id, ticket.status, ticket.priority)
    if c.op == "assign":
        team = c.team if c.team is not None else ticket.team
        ticket = ticket_actions.do_assign(
            ticket, actor=actor, assignee=c.assignee, team=team, now=now
        )
    elif c.op == "team":
        assert c.team is not None
        keep = ticket.assignee
        if keep is not None and not Membership.objects.filter(team=c.team, user=keep).exists():
            keep = None  # the owner is not in the new team: the team picks it up
        ticket = ticket_actions.do_assign(ticket, actor=actor, assignee=keep, team=c.team, now=now)
    elif c.op in ("status", "close"):
        status = Status.CLOSED if c.op == "close" else c.status
        ticket = ticket_actions.do_change_status(ticket, actor=actor, status=status, now=now)
    elif c.op == "priority":
        ticket = ticket_actions.do_change_priority(
            ticket, actor=actor, priority=c.priority, now=now
        )
    elif c.op in ("add_tags", "remove_tags"):
        add, remove = (c.tags, ()) if c.op == "add_tags" else ((), c.tags)
        _, changed = ticket_actions.do_change_tags(
            ticket, actor=actor, add=add, remove=remove, now=now
        )
        return changed
    elif c.op == "macro":
        assert c.macro is not None
        applied = macro_actions.do_apply_macro(actor, ticket, c.macro, now)
        if applied.refused and not applied.done:
            raise PermissionDenied("; ".join(r["reason"] for r in applied.refused))
        return True
    after = (ticket.assignee_id, ticket.team_id, ticket.status, ticket.priority)
    return after != before


def do_bulk(*, actor: User, case_ids: Sequence[Any], change: BulkChange, now: datetime) -> Summary:
    """Apply ``change`` to each selected case through its own action; report per case."""
    ids = check_selection(case_ids)
    checked = check_change(actor, change)
    summary = Summary(op=checked.op)
    for case_id in ids:
        try:
            ticket = access_ticket(actor, case_id)
            if _apply_one(actor, ticket, checked, now):
                summary.changed.append(case_id)
            else:
                summary.unchanged.append(case_id)
        except DomainError as error:
            reason = (
                "Not found, or not yours to see." if error.code == "not_found" else error.message
            )
            summary.refused.append({"case_id": case_id, "code": error.code, "reason": reason})
    with transaction.atomic():
        core_audit.record(
            "bulk.applied",
            actor=actor,
            now=now,
            field="bulk",
            new={
                "op": checked.op,
                "changed": len(summary.changed),
                "unchanged": len(summary.unchanged),
                "refused": len(summary.refused),
            },
        )
    return summary
