"""Goodwill actions within an agent's authority, and approval requests above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Membership, Role, User
from caredesk.core import deadlines
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.escalations import routing
from caredesk.escalations.actions.common import (
    APPROVAL_DEADLINE,
    APPROVAL_STEP_UP,
    clean_reason,
    notify,
)
from caredesk.escalations.models import (
    MAX_AMOUNT,
    ActionType,
    ApprovalRequest,
    ApprovalStatus,
    GoodwillAction,
    next_role,
)
from caredesk.escalations.texts import money, outcome_text, role_name, type_name
from caredesk.sla.calendar import require_aware
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import Message, Status, Ticket

DECISIONS = ("approve", "deny", "approve_other")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class GoodwillOutcome:
    """Exactly one is set: the action applied at once, or the approval request filed."""

    applied: GoodwillAction | None = None
    approval: ApprovalRequest | None = None


def clean_amount(value: Any, action_type: ActionType) -> Decimal | None:
    if not action_type.has_amount:
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError(
            gettext("Enter the amount for a %(name)s.") % {"name": type_name(action_type)},
            code="empty",
        )
    if isinstance(value, float | bool):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(gettext("The amount must be a number such as 25 or 25.50.")) from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError(gettext("The amount must be more than zero."), code="invalid_amount")
    if amount > MAX_AMOUNT:
        raise DomainError(gettext("The amount is too large."), code="invalid_amount")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise DomainError(
            gettext("The amount can have at most two decimals."), code="invalid_amount"
        )
    return amount.quantize(CENT)


def _check_type(action_type: ActionType) -> None:
    if not action_type.is_active:
        raise DomainError(
            gettext("%(name)s is no longer offered.") % {"name": action_type.name},
            code="inactive_type",
        )


def _team_for(ticket: Ticket, agent: User) -> int | None:
    teams = list(Membership.objects.filter(user=agent).values_list("team_id", flat=True))
    if ticket.team_id in teams:
        return ticket.team_id
    return teams[0] if teams else ticket.team_id


def do_request_goodwill(
    ticket: Ticket,
    *,
    agent: User,
    action_type: ActionType,
    amount: Any,
    reason: str,
    now: datetime,
) -> GoodwillOutcome:
    """Within the agent's limit the action applies at once (audited); above it an approval
    request goes to the lowest role whose limit covers it, the agent's team lead first."""
    require_aware(now, "now")
    if not agent.is_agent_staff:
        raise PermissionDenied(gettext("Only staff can offer goodwill actions."))
    _check_type(action_type)
    value = clean_amount(amount, action_type)
    reason = clean_reason(reason)
    limits = routing.limits_for(action_type)
    currency = routing.currency()
    label = {"type": action_type.name, "amount": money(value, currency) or None}
    if routing.within_limit(limits, agent.role, value):
        with transaction.atomic():
            applied = GoodwillAction.objects.create(
                ticket=ticket,
                action_type=action_type,
                amount=value,
                currency=currency,
                reason=reason,
                applied_by=agent,
                created_at=now,
            )
            audit.record(
                ticket,
                agent,
                "goodwill_applied",
                now=now,
                field="goodwill",
                new={**label, "within_limit_of": agent.role},
                note=reason,
            )
        return GoodwillOutcome(applied=applied)
    role = routing.required_role(limits, value, agent.role)
    if role is None:
        if value is None:
            text = gettext(
                "No role may grant this %(name)s. Ask an admin to review the authority limits."
            ) % {"name": type_name(action_type)}
        else:
            text = gettext(
                "No role may grant this %(name)s of %(amount)s. Ask an admin to review the "
                "authority limits."
            ) % {"name": type_name(action_type), "amount": money(value, currency)}
        raise DomainError(text, code="no_approver")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        pick = routing.pick_owner(
            role, ticket=ticket, requester=agent, now=now, exclude=frozenset({agent.pk})
        )
        if pick.user is None:
            raise DomainError(gettext("Nobody can approve this right now."), code="no_approver")
        due, step_up_at = routing.decision_times(
            ticket, now, routing.decision_minutes(), at_top=_top(limits, pick.role, value)
        )
        approval = ApprovalRequest.objects.create(
            ticket=ticket,
            action_type=action_type,
            amount=value,
            currency=currency,
            reason=reason,
            requested_by=agent,
            team_id=_team_for(ticket, agent),
            required_role=role,
            level=pick.role,
            approver=pick.user,
            on_behalf_of=pick.on_behalf_of,
            due_at=due,
            step_up_at=step_up_at,
            created_at=now,
        )
        audit.record(
            ticket,
            agent,
            "approval_requested",
            now=now,
            field="approval",
            new={
                **label,
                "approver": pick.user.display_name,
                "level": pick.role,
                "due": approval.due_at.isoformat() if approval.due_at else None,
                "skipped": list(pick.skipped),
            },
            note=reason,
        )
    _after_route(approval, pick)
    return GoodwillOutcome(approval=approval)


def _upper(limits: dict[str, Any], role: str, amount: Decimal | None) -> str | None:
    """The next level up whose limit covers the amount."""
    upper = next_role(role)
    while upper is not None and not routing.within_limit(limits, upper, amount):
        upper = next_role(upper)
    return upper


def _top(limits: dict[str, Any], role: str, amount: Decimal | None) -> bool:
    return _upper(limits, role, amount) is None


def _after_route(approval: ApprovalRequest, pick: routing.Pick) -> None:
    notify("approval", approval.pk)
    if pick.unstaffed:
        notify("approval_unstaffed", approval.pk)
    deadlines.schedule(APPROVAL_DEADLINE, [approval.pk], approval.due_at)
    deadlines.schedule(APPROVAL_STEP_UP, [approval.pk], approval.step_up_at)


def _acting_role(user: User, approval: ApprovalRequest, now: datetime) -> str | None:
    """The role whose authority ``user`` decides with, or None if they may not decide."""
    if not user.is_agent_staff or user.pk == approval.requested_by_id:
        return None
    own = user.role
    if approval.approver_id == user.pk:
        return max(own, approval.level, key=lambda r: ROLE_LEVEL[Role(r)])
    if approval.approver_id is not None and approval.approver_id in routing.delegators_for(
        user, now
    ):
        return max(own, approval.level, key=lambda r: ROLE_LEVEL[Role(r)])
    if ROLE_LEVEL[Role(own)] > ROLE_LEVEL[Role(approval.level)] or own == Role.ADMIN:
        return own
    return None


def can_decide(user: User, approval: ApprovalRequest, now: datetime) -> bool:
    return approval.is_pending and _acting_role(user, approval, now) is not None


def do_decide_approval(
    approval: ApprovalRequest,
    *,
    actor: User,
    decision: str,
    now: datetime,
    reason: str = "",
    amount: Any = None,
) -> ApprovalRequest:
    """Approve, deny, or approve a different amount, with a reason the agent sees."""
    require_aware(now, "now")
    if decision not in DECISIONS:
        raise DomainError(
            gettext("Choose approve, deny or approve a different amount."), code="invalid"
        )
    action_type = approval.action_type
    reason = clean_reason(reason, required=decision != "approve")
    role = _acting_role(actor, approval, now)
    if role is None:
        if actor.pk == approval.requested_by_id:
            raise PermissionDenied(gettext("You cannot decide your own request."))
        raise PermissionDenied(gettext("This request is waiting for someone else's decision."))
    granted: Decimal | None = approval.amount
    status = ApprovalStatus.APPROVED
    if decision == "deny":
        status, granted = ApprovalStatus.DENIED, None
    elif decision == "approve_other":
        if not action_type.has_amount:
            raise DomainError(
                gettext("A %(name)s has no amount to change.") % {"name": type_name(action_type)}
            )
        granted = clean_amount(amount, action_type)
        if granted == approval.amount:
            status = ApprovalStatus.APPROVED
        else:
            status = ApprovalStatus.APPROVED_CHANGED
    if status != ApprovalStatus.DENIED and not routing.within_limit(
        routing.limits_for(action_type), role, granted
    ):
        level = role_name(role)
        if granted is None:
            text = gettext("This is above your authority as %(role)s.") % {"role": level}
        else:
            text = gettext("%(amount)s is above your authority as %(role)s.") % {
                "amount": money(granted, approval.currency),
                "role": level,
            }
        raise PermissionDenied(text, code="above_authority")
    with transaction.atomic():
        claimed = ApprovalRequest.objects.filter(
            pk=approval.pk, status=ApprovalStatus.PENDING
        ).update(
            status=status,
            decided_amount=granted if status == ApprovalStatus.APPROVED_CHANGED else None,
            decision_reason=reason,
            decided_by=actor,
            decided_at=now,
            due_at=None,
            step_up_at=None,
        )
        if claimed != 1:
            raise Conflict(gettext("This request was already decided."), code="already_decided")
        approval.refresh_from_db()
        if status != ApprovalStatus.DENIED:
            GoodwillAction.objects.create(
                ticket_id=approval.ticket_id,
                action_type=action_type,
                amount=granted,
                currency=approval.currency,
                reason=approval.reason,
                applied_by=actor,
                approval=approval,
                created_at=now,
            )
        audit.record(
            approval.ticket,
            actor,
            "approval_decided",
            now=now,
            field="approval",
            old={
                "status": ApprovalStatus.PENDING,
                "amount": money(approval.amount, approval.currency),
            },
            new={
                "status": status,
                "amount": money(granted, approval.currency) or None,
                "type": action_type.name,
            },
            note=reason,
        )
    notify("decision", approval.pk)
    return approval


def do_tell_customer_outcome(approval: ApprovalRequest, *, actor: User, now: datetime) -> Message:
    """One click: a public reply telling the customer the decision (never twice)."""
    require_aware(now, "now")
    if not actor.is_agent_staff:
        raise PermissionDenied(gettext("Only staff can reply to the customer."))
    if approval.is_pending:
        raise DomainError(gettext("There is no decision to tell the customer yet."), code="pending")
    with transaction.atomic():
        claimed = (
            ApprovalRequest.objects.filter(pk=approval.pk, customer_told_at__isnull=True)
            .exclude(status=ApprovalStatus.PENDING)
            .update(customer_told_at=now)
        )
        if claimed != 1:
            raise Conflict(gettext("The customer was already told."), code="already_told")
        approval = ApprovalRequest.objects.select_related("ticket__customer", "action_type").get(
            pk=approval.pk
        )
        ticket = approval.ticket
        after = Status.WAITING_CUSTOMER if ticket.is_open else ticket.status
        message = ticket_actions.do_reply(
            ticket, agent=actor, body=outcome_text(approval), now=now, status_after=after
        )
        audit.record(
            ticket,
            actor,
            "customer_told_decision",
            now=now,
            field="approval",
            new={"status": approval.status, "message": message.pk},
        )
    return message


def step_up_approval(approval_id: int, now: datetime) -> bool:
    """A decision not made by its deadline moves to the next level whose limit covers it
    (the ``approval.decision`` kind), with a new deadline."""
    return _step_up(approval_id, now, early=False)


def step_up_approval_early(approval_id: int, now: datetime) -> bool:
    """A decision not made once its share of the window has passed moves to the next
    level whose limit covers it (the ``approval.step_up`` kind), keeping the deadline:
    it is decided before it is missed."""
    return _step_up(approval_id, now, early=True)


def _step_up(approval_id: int, now: datetime, *, early: bool) -> bool:
    require_aware(now, "now")
    column = "step_up_at" if early else "due_at"
    with transaction.atomic():
        approval = (
            ApprovalRequest.objects.select_related(
                "ticket", "approver", "requested_by", "action_type"
            )
            .filter(pk=approval_id)
            .first()
        )
        if approval is None or not approval.is_pending:
            return False
        at = getattr(approval, column)
        if at is None or at > now:
            return False
        claim = ApprovalRequest.objects.filter(
            pk=approval.pk,
            status=ApprovalStatus.PENDING,
            level=approval.level,
            **{column: at},
        )
        limits = routing.limits_for(approval.action_type)
        upper = _upper(limits, approval.level, approval.amount)
        old = {"level": approval.level, "approver": _name(approval.approver)}
        if upper is None:
            if early:  # nobody above: the top level keeps it until the deadline
                claim.update(step_up_at=None)
                return False
            if claim.update(due_at=None, step_up_at=None, stalled=True) != 1:
                return False
            audit.record(
                approval.ticket,
                None,
                "approval_stalled",
                now=now,
                field="approval",
                old=old,
                note="No decision in time at the top level; admins were told.",
            )
            notify("approval_stalled", approval.pk)
            return True
        pick = routing.pick_owner(
            upper,
            ticket=approval.ticket,
            requester=approval.requested_by,
            now=now,
            exclude=frozenset({approval.requested_by_id}),
        )
        if early:
            due, step_up_at = approval.due_at, None
        else:
            due, step_up_at = routing.decision_times(
                approval.ticket,
                now,
                routing.decision_minutes(),
                at_top=_top(limits, pick.role, approval.amount),
            )
        if (
            claim.update(
                level=pick.role,
                approver=pick.user,
                on_behalf_of=pick.on_behalf_of,
                due_at=due,
                step_up_at=step_up_at,
                steps=F("steps") + 1,
            )
            != 1
        ):
            return False
        approval.refresh_from_db()
        audit.record(
            approval.ticket,
            None,
            "approval_stepped_up",
            now=now,
            field="approval",
            old=old,
            new={
                "level": pick.role,
                "approver": _name(pick.user),
                "due": due.isoformat() if due else None,
                "early": early,
            },
            note=(
                "Not decided yet; moved up a level to be decided before the deadline."
                if early
                else "No decision before the deadline; moved up a level."
            ),
        )
    _after_route(approval, pick)
    return True


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None
