"""Every change to macros goes through one of these functions (house rule 1).

Managing a macro is audited with ``core.audit`` (it is not about a case). Applying one is
audited on the case (``macro_applied``, event ``macro.applied``) after each of its
changes was made — and audited — by the owning app's own action.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from caredesk.accounts.models import User
from caredesk.core import audit as core_audit
from caredesk.core.errors import Conflict, NotFound, PermissionDenied
from caredesk.macros import placeholders, rules, steps
from caredesk.macros.models import Macro, MacroUse, Scope
from caredesk.macros.selectors import usable
from caredesk.macros.validation import MacroData, check_data
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

REFUSED_SHARED = (
    "Only leads, managers and admins manage shared macros (leads: their own teams'); "
    "you can make personal ones."
)


def _snapshot(macro: Macro) -> dict[str, Any]:
    return {
        "title": macro.title,
        "scope": macro.scope,
        "team": macro.team.name if macro.team else None,
        "body": macro.body,
        "set_status": macro.set_status,
        "set_priority": macro.set_priority,
        "set_team": macro.set_team.name if macro.set_team else None,
        "assign_to_me": macro.assign_to_me,
        "set_assignee": macro.set_assignee.display_name if macro.set_assignee else None,
        "add_tags": list(macro.add_tags or []),
        "remove_tags": list(macro.remove_tags or []),
        "promise_kind": macro.promise_kind,
        "promise_text": macro.promise_text,
        "promise_due_minutes": macro.promise_due_minutes,
        "active": macro.active,
        "set_fields": dict(macro.set_fields or {}),
    }


def _fill(macro: Macro, data: MacroData) -> None:
    for name, value in asdict(data).items():
        if name in ("team", "set_team", "set_assignee"):
            continue
        setattr(macro, name, value)
    macro.team = data.team
    macro.set_team = data.set_team
    macro.set_assignee = data.set_assignee


def do_create_macro(*, actor: User, data: MacroData, now: datetime) -> Macro:
    data = check_data(data)
    if not rules.can_manage(actor, data.scope, data.team):
        raise PermissionDenied(REFUSED_SHARED)
    with transaction.atomic():
        macro = Macro(
            owner=actor if data.scope == Scope.PERSONAL else None,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        _fill(macro, data)
        macro.save()
        core_audit.record(
            "macro.created", actor=actor, now=now, field="macro", new=_snapshot(macro)
        )
    return macro


def _locked(macro_id: int) -> Macro:
    try:
        return (
            Macro.objects.select_for_update(of=("self",))
            .select_related("team", "set_team", "set_assignee")
            .get(pk=macro_id)
        )
    except Macro.DoesNotExist:
        raise NotFound("No such macro.") from None


def do_update_macro(*, actor: User, macro: Macro, data: MacroData, now: datetime) -> Macro:
    data = check_data(data)
    with transaction.atomic():
        macro = _locked(macro.pk)
        if not rules.may_edit(actor, macro) or not rules.can_manage(actor, data.scope, data.team):
            raise PermissionDenied(REFUSED_SHARED)
        old = _snapshot(macro)
        _fill(macro, data)
        macro.owner = (macro.owner or actor) if data.scope == Scope.PERSONAL else None
        macro.updated_at = now
        macro.save()
        new = _snapshot(macro)
        changed = {k: v for k, v in new.items() if old[k] != v}
        if changed:
            core_audit.record(
                "macro.updated",
                actor=actor,
                now=now,
                field="macro",
                old={"id": macro.pk, **{k: old[k] for k in changed}},
                new={"id": macro.pk, **changed},
            )
    return macro


def do_delete_macro(*, actor: User, macro: Macro, now: datetime) -> None:
    with transaction.atomic():
        macro = _locked(macro.pk)
        if not rules.may_edit(actor, macro):
            raise PermissionDenied(REFUSED_SHARED)
        old = {"id": macro.pk, **_snapshot(macro), "use_count": macro.use_count}
        macro.delete()
        core_audit.record("macro.deleted", actor=actor, now=now, field="macro", old=old)


@dataclass(frozen=True)
class Applied:
    """The reply text for the reply box (the agent still edits and sends it), and what
    the macro's changes did."""

    use: MacroUse
    text: str
    done: list[str]
    refused: list[dict[str, str]]
    status: str  # the case's status once the changes are made


def do_apply_macro(actor: User, case: Ticket, macro: Macro, now: datetime) -> Applied:
    """Apply ``macro`` on ``case`` (which the caller fetched with ``access_ticket``).

    Each change runs through its owning action with that action's checks and audit
    event; what an action refuses is reported, never forced. The reply text is rendered
    from plain strings after the changes, so ``{{ promise.due }}`` is the promise made."""
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff can apply macros.")
    macro = usable(actor, macro.pk)
    if not macro.active:
        raise Conflict(
            "This macro is switched off; switch it on on the Macros page to use it.",
            code="macro_inactive",
        )
    placeholders.placeholders_in(macro.body)  # refuse a body that is no longer valid
    with transaction.atomic():
        case = Ticket.objects.select_related("team", "customer").get(pk=case.pk)
        outcome = steps.run(steps.plan(macro, case, actor, now), case, actor, now)
        case = Ticket.objects.select_related("team", "customer").get(pk=case.pk)
        due = outcome.promise.due_at if outcome.promise is not None else None
        context = placeholders.values(case, actor, now, promise_due=due)
        text = placeholders.render(macro.body, context) if macro.body else ""
        Macro.objects.filter(pk=macro.pk).update(use_count=F("use_count") + 1, last_used_at=now)
        use = MacroUse.objects.create(
            macro=macro,
            ticket=case,
            by=actor,
            at=now,
            text=text,
            done=outcome.done,
            refused=outcome.refused,
        )
        audit.record(
            case,
            actor,
            "macro_applied",
            now=now,
            field="macro",
            new={
                "macro": macro.title,
                "macro_id": macro.pk,
                "use_id": use.pk,
                "done": outcome.done,
                "refused": outcome.refused,
            },
        )
    return Applied(
        use=use, text=text, done=outcome.done, refused=outcome.refused, status=case.status
    )
