"""Escalations, goodwill actions and approval decisions (issue 6).

Staff tokens escalate, offer goodwill (applied at once within the token owner's limit,
otherwise routed for approval) and decide approvals; customer tokens can only ask for a
supervisor on their own cases. Every case is fetched through ``access_ticket``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import StringConstraints

from caredesk.channels.api.auth import api_user, require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut, Id, InSchema, Note
from caredesk.core import clock
from caredesk.core.errors import NotFound, PermissionDenied
from caredesk.escalations import actions, selectors
from caredesk.escalations.models import (
    ActionType,
    ApprovalRequest,
    Escalation,
    EscalationSource,
)
from caredesk.tickets.access import access_ticket

router = Router(tags=["escalations"])
AmountText = Annotated[str, StringConstraints(max_length=20)]


class EscalateIn(InSchema):
    reason: Note = ""
    level: Literal["lead", "manager", "admin"] | None = None
    handoff_summary: Note | None = None


class EscalationOut(Schema):
    id: int
    case_id: int
    level: str
    owner: str | None
    source: str
    status: str
    due_at: datetime | None
    created_at: datetime


class GoodwillIn(InSchema):
    action_type: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    amount: AmountText | None = None
    reason: Note


class GoodwillOut(Schema):
    applied: bool
    approval_id: int | None = None
    approver: str | None = None
    due_at: datetime | None = None


class DecisionIn(InSchema):
    decision: Literal["approve", "deny", "approve_other"]
    amount: AmountText | None = None
    reason: Note = ""


class ApprovalOut(Schema):
    id: int
    case_id: int
    action_type: str
    amount: str | None
    currency: str
    status: str
    level: str
    approver: str | None
    due_at: datetime | None
    decided_amount: str | None
    decision_reason: str


def _escalation(e: Escalation) -> EscalationOut:
    return EscalationOut(
        id=e.pk,
        case_id=e.ticket_id,
        level=e.level,
        owner=e.owner.display_name if e.owner else None,
        source=e.source,
        status=e.status,
        due_at=e.due_at,
        created_at=e.created_at,
    )


def _approval(a: ApprovalRequest) -> ApprovalOut:
    return ApprovalOut(
        id=a.pk,
        case_id=a.ticket_id,
        action_type=a.action_type.slug,
        amount=str(a.amount) if a.amount is not None else None,
        currency=a.currency,
        status=a.status,
        level=a.level,
        approver=a.approver.display_name if a.approver else None,
        due_at=a.due_at,
        decided_amount=str(a.decided_amount) if a.decided_amount is not None else None,
        decision_reason=a.decision_reason,
    )


@router.post("/cases/{case_id}/escalations", response={201: EscalationOut, ERROR_CODES: ErrorOut})
def escalate(request: HttpRequest, case_id: int, payload: EscalateIn) -> Status[EscalationOut]:
    """Staff: escalate with a reason (and level, handoff summary). Customers: ask for a
    supervisor (``reason`` only)."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    if user.is_customer:
        if payload.level is not None or payload.handoff_summary is not None:
            raise PermissionDenied("Customer tokens send a reason only.", code="field_not_allowed")
        result = actions.do_request_supervisor(
            ticket,
            customer_user=user,
            reason=payload.reason,
            now=clock.now(),
            source=EscalationSource.CUSTOMER_PORTAL,
        )
    else:
        result = actions.do_escalate(
            ticket,
            actor=user,
            source=EscalationSource.AGENT,
            reason=payload.reason,
            handoff_summary=payload.handoff_summary or "",
            level=payload.level or "lead",
            now=clock.now(),
        )
    return Status(201, _escalation(result.escalation))


@router.get(
    "/cases/{case_id}/escalations", response={200: list[EscalationOut], ERROR_CODES: ErrorOut}
)
def list_escalations(request: HttpRequest, case_id: int) -> list[EscalationOut]:
    ticket = access_ticket(api_user(request), case_id)
    rows = Escalation.objects.filter(ticket=ticket).select_related("owner").order_by("-id")[:50]
    return [_escalation(e) for e in rows]


@router.post("/cases/{case_id}/goodwill", response={201: GoodwillOut, ERROR_CODES: ErrorOut})
def goodwill(request: HttpRequest, case_id: int, payload: GoodwillIn) -> Status[GoodwillOut]:
    """Applied at once within your limit; otherwise an approval request is routed."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    action_type = ActionType.objects.filter(slug=payload.action_type, is_active=True).first()
    if action_type is None:
        raise NotFound("No such action type.", code="unknown_action_type")
    outcome = actions.do_request_goodwill(
        ticket,
        agent=user,
        action_type=action_type,
        amount=payload.amount,
        reason=payload.reason,
        now=clock.now(),
    )
    if outcome.approval is None:
        return Status(201, GoodwillOut(applied=True))
    approval = outcome.approval
    return Status(
        201,
        GoodwillOut(
            applied=False,
            approval_id=approval.pk,
            approver=approval.approver.display_name if approval.approver else None,
            due_at=approval.due_at,
        ),
    )


@router.get("/approvals", response={200: list[ApprovalOut], ERROR_CODES: ErrorOut})
def my_approvals(request: HttpRequest) -> list[ApprovalOut]:
    """Pending requests you decide (yours and those delegated to you), soonest due first."""
    user = require_staff(request)
    return [_approval(a) for a in selectors.approvals_waiting_for(user, clock.now())]


@router.post(
    "/approvals/{approval_id}/decision", response={200: ApprovalOut, ERROR_CODES: ErrorOut}
)
def decide(request: HttpRequest, approval_id: Id, payload: DecisionIn) -> ApprovalOut:
    user = require_staff(request)
    approval = selectors.find_approval(user, approval_id)
    if approval is None:
        raise NotFound("No such approval request.")
    decided = actions.do_decide_approval(
        approval,
        actor=user,
        decision=payload.decision,
        amount=payload.amount,
        reason=payload.reason,
        now=clock.now(),
    )
    fresh = ApprovalRequest.objects.select_related("action_type", "approver").get(pk=decided.pk)
    return _approval(fresh)
