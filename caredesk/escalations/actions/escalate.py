"""Escalations: open (from an agent, the system or the customer), answer, move up a level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import deadlines
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.escalations import routing
from caredesk.escalations.actions import group
from caredesk.escalations.actions.common import (
    ESCALATION_DEADLINE,
    ESCALATION_STEP_UP,
    clean_reason,
    notify,
)
from caredesk.escalations.models import (
    APPROVER_ROLES,
    CUSTOMER_SOURCES,
    Escalation,
    EscalationSource,
    EscalationStatus,
    ProtectedConversation,
    next_role,
)
from caredesk.escalations.texts import escalation_note
from caredesk.sla.calendar import require_aware
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

SYSTEM_SOURCES = group.SYSTEM_SOURCES
# What closes a system escalation by itself (``Escalation.solved_by``).
SOLVED_BY = ("", "reply", "resolve")
STAFF_SOURCES = (EscalationSource.AGENT, EscalationSource.ABUSE_REVIEW)
CUSTOMER_DEFAULT_REASON = "The customer asked to speak to a supervisor."


@dataclass(frozen=True)
class EscalationResult:
    escalation: Escalation
    created: bool
    raised: bool = False


def _level_rank(level: str) -> int:
    return ROLE_LEVEL[Role(level)]


def _check_actor(actor: User | None, source: str) -> None:
    if source not in EscalationSource.values:
        raise DomainError(f"Unknown escalation source {source!r}.", code="invalid_source")
    if source in STAFF_SOURCES and (actor is None or not actor.is_agent_staff):
        raise PermissionDenied(gettext("Only staff can escalate a case this way."))
    if source in CUSTOMER_SOURCES and actor is not None and not actor.is_customer:
        raise PermissionDenied(gettext("This escalation must come from the customer."))
    if source in SYSTEM_SOURCES and actor is not None:
        raise PermissionDenied(gettext("System escalations have no person as their author."))


def _assign_owner(
    escalation: Escalation, ticket: Ticket, level: str, requester: User | None, now: datetime
) -> routing.Pick:
    exclude = frozenset({requester.pk}) if requester is not None else frozenset()
    pick = routing.pick_owner(level, ticket=ticket, requester=requester, now=now, exclude=exclude)
    escalation.level = pick.role
    escalation.owner = pick.user
    escalation.on_behalf_of = pick.on_behalf_of
    escalation.due_at, escalation.step_up_at = routing.decision_times(
        ticket, now, routing.escalation_minutes(), at_top=next_role(pick.role) is None
    )
    return pick


def _owner_label(pick: routing.Pick) -> str | None:
    if pick.user is None:
        return None
    if pick.on_behalf_of is not None:
        return f"{pick.user.display_name} (for {pick.on_behalf_of.display_name})"
    return pick.user.display_name


def do_escalate(
    ticket: Ticket,
    *,
    actor: User | None,
    source: str,
    reason: str,
    now: datetime,
    level: str = Role.LEAD,
    handoff_summary: str = "",
    solved_by: str = "",
) -> EscalationResult:
    """Refer a case upward. A case has at most one open escalation: a second request for a
    higher level raises it; otherwise the request joins the open one (and is logged).

    ``solved_by`` (system sources only): what solves the underlying problem, so the
    escalation closes by itself (:func:`do_close_solved_escalations`): "reply" or
    "resolve"."""
    require_aware(now, "now")
    _check_actor(actor, source)
    if level not in APPROVER_ROLES:
        raise DomainError(
            gettext("Escalate to a lead, a manager or an admin."), code="invalid_level"
        )
    if source in CUSTOMER_SOURCES and not (isinstance(reason, str) and reason.strip()):
        reason = CUSTOMER_DEFAULT_REASON
    if solved_by not in SOLVED_BY or (solved_by and source not in SYSTEM_SOURCES):
        raise DomainError(gettext("Only a system escalation closes by itself."), code="invalid")
    reason = clean_reason(reason)
    summary = clean_reason(handoff_summary, field="handoff summary", required=False)
    staff_actor = actor if actor is not None and actor.is_agent_staff else None
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=ticket.pk)
        )
        existing = (
            Escalation.objects.select_for_update()
            .filter(ticket=ticket, status=EscalationStatus.OPEN)
            .first()
        )
        if existing is not None:
            return _join_or_raise(existing, ticket, actor, source, reason, level, now)
        primary = group.group_for(ticket, source, now)
        if primary is not None:
            return EscalationResult(
                group.join_group(primary, ticket, source, reason, now, solved_by),
                created=True,
            )
        requester = staff_actor or ticket.assignee
        escalation = Escalation(
            ticket=ticket,
            source=source,
            reason=reason,
            handoff_summary=summary,
            raised_by=actor,
            created_at=now,
            abuse_review=source == EscalationSource.ABUSE_REVIEW,
            group_key=group.group_key(ticket, source),
            solved_by=solved_by,
        )
        pick = _assign_owner(escalation, ticket, level, requester, now)
        escalation.save()
        audit.record(
            ticket,
            actor,
            "escalated",
            now=now,
            field="escalation",
            new={
                "level": escalation.level,
                "owner": _owner_label(pick),
                "source": source,
                "due": escalation.due_at.isoformat() if escalation.due_at else None,
                "skipped": list(pick.skipped),
            },
            note=escalation_note(escalation.level, escalation.due_at, ticket=ticket),
            public=True,
        )
        if summary and staff_actor is not None:
            ticket_actions.do_add_note(
                ticket, agent=staff_actor, body=f"Escalation handoff: {summary}", now=now
            )
    # One notice per item: the SLA engine does not tell the lead of each breach itself.
    _after_owner_change(escalation, pick)
    return EscalationResult(escalation, created=True)


def _join_or_raise(
    existing: Escalation,
    ticket: Ticket,
    actor: User | None,
    source: str,
    reason: str,
    level: str,
    now: datetime,
) -> EscalationResult:
    review = source == EscalationSource.ABUSE_REVIEW and not existing.abuse_review
    if existing.solved_by and source not in SYSTEM_SOURCES:
        # A person asked too: only an answer closes it now.
        existing.solved_by = ""
        existing.save(update_fields=["solved_by"])
    if _level_rank(level) <= _level_rank(existing.level):
        new: dict[str, object] = {"source": source, "level": existing.level}
        if review:
            # The lead's review of the ended conversation rides on this escalation,
            # whatever opened it; a grouped one leaves its group to be answered alone.
            existing.abuse_review = True
            fields = ["abuse_review"]
            if existing.parent_id is not None:
                group.detach(existing, ticket, now)
                fields += ["parent", "due_at", "step_up_at"]
            existing.save(update_fields=fields)
            new["abuse_review"] = True
        audit.record(
            ticket,
            actor,
            "escalation_joined",
            now=now,
            field="escalation",
            new=new,
            note=reason[:500],
        )
        if review:
            notify("escalation_review", existing.pk)
            deadlines.schedule(ESCALATION_DEADLINE, [existing.pk], existing.due_at)
            deadlines.schedule(ESCALATION_STEP_UP, [existing.pk], existing.step_up_at)
        return EscalationResult(existing, created=False)
    old = {"level": existing.level, "owner": _name(existing.owner)}
    requester = actor if actor is not None and actor.is_agent_staff else ticket.assignee
    existing.abuse_review = existing.abuse_review or review
    existing.parent = None
    pick = _assign_owner(existing, ticket, level, requester, now)
    existing.save(
        update_fields=[
            "level",
            "owner",
            "on_behalf_of",
            "due_at",
            "step_up_at",
            "abuse_review",
            "parent",
        ]
    )
    audit.record(
        ticket,
        actor,
        "escalation_raised",
        now=now,
        field="escalation",
        old=old,
        new={"level": existing.level, "owner": _owner_label(pick)},
        note=escalation_note(existing.level, existing.due_at, ticket=ticket),
        public=True,
    )
    group.sync_members(existing)  # members follow their escalation to its new owner
    _after_owner_change(existing, pick)
    return EscalationResult(existing, created=False, raised=True)


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _after_owner_change(escalation: Escalation, pick: routing.Pick) -> None:
    """Tell the new owner (for a breach too: the SLA engine tells only the assignee),
    the admins when a level had nobody working, and schedule the deadlines (all after
    commit)."""
    notify("escalation", escalation.pk)
    if pick.unstaffed:
        notify("escalation_unstaffed", escalation.pk)
    deadlines.schedule(ESCALATION_DEADLINE, [escalation.pk], escalation.due_at)
    deadlines.schedule(ESCALATION_STEP_UP, [escalation.pk], escalation.step_up_at)


def do_request_supervisor(
    ticket: Ticket, *, customer_user: User | None, reason: str, now: datetime, source: str
) -> EscalationResult:
    """The customer asks for a supervisor (portal button, or a request in an email)."""
    if source not in CUSTOMER_SOURCES:
        raise DomainError(gettext("Not a customer channel."), code="invalid_source")
    if not ticket.is_open:
        raise DomainError(
            gettext("This case is resolved or closed; reopen it or open a new case first."),
            code="case_not_open",
        )
    return do_escalate(
        ticket,
        actor=customer_user,
        source=source,
        reason=reason,
        now=now,
        level=Role.LEAD,
    )


def can_answer(user: User, escalation: Escalation, now: datetime) -> bool:
    """The owner, whoever they delegated to, or anyone of a higher role."""
    if not user.is_agent_staff or not escalation.is_open:
        return False
    if escalation.owner_id == user.pk:
        return True
    if escalation.owner_id is not None and escalation.owner_id in routing.delegators_for(user, now):
        return True
    return _level_rank(user.role) > _level_rank(escalation.level) or user.role == Role.ADMIN


def do_resolve_escalation(
    escalation: Escalation, *, actor: User, resolution: str, now: datetime
) -> Escalation:
    require_aware(now, "now")
    resolution = clean_reason(resolution, field="answer")
    if not can_answer(actor, escalation, now):
        raise PermissionDenied(
            gettext("Only the escalation's owner (or someone above) can answer it.")
        )
    with transaction.atomic():
        updated = Escalation.objects.filter(pk=escalation.pk, status=EscalationStatus.OPEN).update(
            status=EscalationStatus.RESOLVED,
            resolution=resolution,
            resolved_by=actor,
            resolved_at=now,
            step_up_at=None,
        )
        if updated != 1:
            raise DomainError(
                gettext("This escalation was already answered."), code="already_answered"
            )
        escalation.refresh_from_db()
        members = list(
            Escalation.objects.select_related("ticket")
            .select_for_update(of=("self",))
            .filter(parent=escalation, status=EscalationStatus.OPEN)
            .order_by("id")
        )
        Escalation.objects.filter(pk__in=[m.pk for m in members]).update(
            status=EscalationStatus.RESOLVED,
            resolution=resolution,
            resolved_by=actor,
            resolved_at=now,
            due_at=None,
            step_up_at=None,
        )
        for answered in [escalation, *members]:
            _record_answer(answered, actor, resolution, now)
    notify("escalation_answered", escalation.pk)
    return escalation


def _record_answer(escalation: Escalation, actor: User, resolution: str, now: datetime) -> None:
    new: dict[str, object] = {"status": EscalationStatus.RESOLVED, "level": escalation.level}
    if escalation.parent_id is not None:
        new["answered_with"] = escalation.parent_id
    audit.record(
        escalation.ticket,
        actor,
        "escalation_answered",
        now=now,
        field="escalation",
        old={"status": EscalationStatus.OPEN},
        new=new,
        note=resolution[:2000],
    )
    audit.record(escalation.ticket, actor, "supervisor_responded", now=now, public=True)
    if escalation.abuse_review:
        reviewed = ProtectedConversation.objects.filter(
            ticket_id=escalation.ticket_id, reviewed_at__isnull=True
        ).update(reviewed_by=actor, reviewed_at=now)
        if reviewed:
            audit.record(
                escalation.ticket,
                actor,
                "abuse_reviewed",
                now=now,
                field="protection",
                new={"reviewed_by": actor.display_name, "escalation": escalation.pk},
                note=resolution[:2000],
            )


def step_up_escalation(escalation_id: int, now: datetime) -> bool:
    """Move an unanswered escalation up one level when its deadline has passed (the
    ``escalation.decision`` kind). Idempotent: the move is claimed with a conditional
    UPDATE on (status, level, due_at)."""
    return _step_up(escalation_id, now, early=False)


def step_up_escalation_early(escalation_id: int, now: datetime) -> bool:
    """Move an unanswered escalation up one level once its share of the decision window
    has passed (the ``escalation.step_up`` kind), keeping its deadline: the next level
    answers before it is missed. Claimed on (status, level, step_up_at)."""
    return _step_up(escalation_id, now, early=True)


def _step_up(escalation_id: int, now: datetime, *, early: bool) -> bool:
    require_aware(now, "now")
    column = "step_up_at" if early else "due_at"
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_related("ticket", "owner", "raised_by")
            .filter(pk=escalation_id)
            .first()
        )
        if escalation is None or not escalation.is_open:
            return False
        at = getattr(escalation, column)
        if at is None or at > now:
            return False
        ticket = escalation.ticket
        claim = Escalation.objects.filter(
            pk=escalation.pk,
            status=EscalationStatus.OPEN,
            level=escalation.level,
            **{column: at},
        )
        old = {"level": escalation.level, "owner": _name(escalation.owner)}
        upper = next_role(escalation.level)
        if upper is None:
            if early:  # nobody above: the top level keeps it until the deadline
                claim.update(step_up_at=None)
                return False
            if claim.update(due_at=None, step_up_at=None, stalled=True) != 1:
                return False
            audit.record(
                ticket,
                None,
                "escalation_stalled",
                now=now,
                field="escalation",
                old=old,
                note="Not answered in time at the top level; admins were told.",
            )
            notify("escalation_stalled", escalation.pk)
            return True
        requester = escalation.raised_by if escalation.raised_by else ticket.assignee
        if requester is not None and not requester.is_agent_staff:
            requester = ticket.assignee
        exclude = frozenset({requester.pk}) if requester is not None else frozenset()
        pick = routing.pick_owner(
            upper, ticket=ticket, requester=requester, now=now, exclude=exclude
        )
        if early:
            # Same deadline: the next level decides within it.
            due, step_up_at = escalation.due_at, None
        else:
            due, step_up_at = routing.decision_times(
                ticket, now, routing.escalation_minutes(), at_top=next_role(pick.role) is None
            )
        if (
            claim.update(
                level=pick.role,
                owner=pick.user,
                on_behalf_of=pick.on_behalf_of,
                due_at=due,
                step_up_at=step_up_at,
                steps=F("steps") + 1,
            )
            != 1
        ):
            return False
        escalation.refresh_from_db()
        note = escalation_note(pick.role, due, ticket=ticket)
        audit.record(
            ticket,
            None,
            "escalation_stepped_up",
            now=now,
            field="escalation",
            old=old,
            new={
                "level": pick.role,
                "owner": _owner_label(pick),
                "due": due.isoformat() if due else None,
                "early": early,
                "members": Escalation.objects.filter(
                    parent=escalation, status=EscalationStatus.OPEN
                ).count(),
            },
            note=note,
            public=True,
        )
        group.sync_members(escalation)  # members follow their escalation to its new owner
        _after_owner_change(escalation, pick)
    return True
