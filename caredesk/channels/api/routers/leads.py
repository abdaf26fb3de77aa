"""What leads, managers and admins do on the escalations page: the escalations they own,
answering one, delegations while away, telling the customer a decision, and reviewing
customers whose messages were flagged repeatedly. Same actions and checks as the pages."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from caredesk.accounts.models import User
from caredesk.channels.api import present
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.routers.escalations import EscalationOut, _escalation
from caredesk.channels.api.schemas import ErrorOut, Id, InSchema, MessageOut, Note
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.enrichment.actions import do_review_customer_attention
from caredesk.enrichment.models import CustomerAttention
from caredesk.enrichment.selectors import customers_needing_attention
from caredesk.escalations import actions, selectors
from caredesk.escalations.models import Delegation, Escalation
from caredesk.tickets.models import Message

router = Router(tags=["escalations"])


class EscalationDetailOut(EscalationOut):
    reason: str
    handoff_summary: str
    resolution: str
    resolved_at: datetime | None = None


class AnswerIn(InSchema):
    resolution: Note = Field(min_length=1, description="Your answer; the raiser is told.")


class DelegationIn(InSchema):
    delegate_id: Id
    starts_at: datetime = Field(description="With a time zone.")
    ends_at: datetime = Field(description="With a time zone.")
    note: Note = ""


class DelegationOut(Schema):
    id: int
    delegator_id: int
    delegate_id: int
    starts_at: datetime
    ends_at: datetime
    note: str


class AttentionOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    flagged_messages: int
    marked_at: datetime
    reviewed_at: datetime | None = None


class ReviewIn(InSchema):
    note: Note = ""


def _detail(e: Escalation) -> EscalationDetailOut:
    return EscalationDetailOut(
        **_escalation(e).model_dump(),
        reason=e.reason,
        handoff_summary=e.handoff_summary,
        resolution=e.resolution,
        resolved_at=e.resolved_at,
    )


def _delegation(d: Delegation) -> DelegationOut:
    return DelegationOut(
        id=d.pk,
        delegator_id=d.delegator_id,
        delegate_id=d.delegate_id,
        starts_at=d.starts_at,
        ends_at=d.ends_at,
        note=d.note,
    )


def _attention(mark: CustomerAttention) -> AttentionOut:
    return AttentionOut(
        id=mark.pk,
        customer_id=mark.customer_id,
        customer_name=mark.customer.name,
        flagged_messages=mark.flagged_messages,
        marked_at=mark.marked_at,
        reviewed_at=mark.reviewed_at,
    )


@router.get("/escalations", response={200: list[EscalationOut], ERROR_CODES: ErrorOut})
def my_escalations(request: HttpRequest) -> list[EscalationOut]:
    """Open escalations you own (and those of people who delegated to you), soonest due."""
    user = require_staff(request)
    return [_escalation(e) for e in selectors.escalations_owned_by(user, clock.now())]


@router.get(
    "/escalations/{escalation_id}", response={200: EscalationDetailOut, ERROR_CODES: ErrorOut}
)
def get_escalation(request: HttpRequest, escalation_id: Id) -> EscalationDetailOut:
    user = require_staff(request)
    found = selectors.find_escalation(user, escalation_id)
    if found is None:
        raise NotFound("No such escalation.")
    return _detail(found)


@router.post(
    "/escalations/{escalation_id}/answer",
    response={200: EscalationDetailOut, ERROR_CODES: ErrorOut},
)
def answer_escalation(
    request: HttpRequest, escalation_id: Id, payload: AnswerIn
) -> EscalationDetailOut:
    """Answer (resolve) an escalation you own, or one below you."""
    user = require_staff(request)
    found = selectors.find_escalation(user, escalation_id)
    if found is None:
        raise NotFound("No such escalation.")
    actions.do_resolve_escalation(found, actor=user, resolution=payload.resolution, now=clock.now())
    fresh = selectors.find_escalation(user, escalation_id)
    assert fresh is not None
    return _detail(fresh)


@router.post(
    "/approvals/{approval_id}/tell-customer", response={201: MessageOut, ERROR_CODES: ErrorOut}
)
def tell_customer(request: HttpRequest, approval_id: Id) -> Status[MessageOut]:
    """Send the customer a public reply with the decision on an approval (never twice)."""
    user = require_staff(request)
    approval = selectors.find_approval(user, approval_id)
    if approval is None:
        raise NotFound("No such approval request.")
    message = actions.do_tell_customer_outcome(approval, actor=user, now=clock.now())
    fresh = (
        Message.objects.select_related("author_user", "author_customer")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return Status(201, present.message(fresh, staff=True))


@router.get("/delegations", response={200: list[DelegationOut], ERROR_CODES: ErrorOut})
def list_delegations(request: HttpRequest) -> list[DelegationOut]:
    """Delegations you gave or received, newest first."""
    user = require_staff(request)
    return [_delegation(d) for d in selectors.delegations_of(user)]


@router.post("/delegations", response={201: DelegationOut, ERROR_CODES: ErrorOut})
def create_delegation(request: HttpRequest, payload: DelegationIn) -> Status[DelegationOut]:
    """While you are away, someone else decides your approvals and escalations."""
    user = require_staff(request)
    delegate = next(
        (u for u in selectors.delegate_choices(user) if u.pk == payload.delegate_id), None
    )
    if not isinstance(delegate, User):
        raise NotFound("There is no such colleague to delegate to.", code="unknown_delegate")
    row = actions.do_delegate(
        delegator=user,
        delegate=delegate,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        note=payload.note,
        now=clock.now(),
    )
    return Status(201, _delegation(row))


@router.post(
    "/delegations/{delegation_id}/cancel", response={200: DelegationOut, ERROR_CODES: ErrorOut}
)
def cancel_delegation(request: HttpRequest, delegation_id: Id) -> DelegationOut:
    user = require_staff(request)
    row = actions.do_cancel_delegation(actor=user, delegation_id=delegation_id, now=clock.now())
    return _delegation(row)


@router.get("/attention", response={200: list[AttentionOut], ERROR_CODES: ErrorOut})
def list_attention(request: HttpRequest) -> list[AttentionOut]:
    """Customers whose messages were flagged repeatedly, waiting for a review."""
    user = require_staff(request)
    return [_attention(m) for m in customers_needing_attention(user)[:100]]


@router.post(
    "/attention/{attention_id}/review", response={200: AttentionOut, ERROR_CODES: ErrorOut}
)
def review_attention(request: HttpRequest, attention_id: Id, payload: ReviewIn) -> AttentionOut:
    """Leads and above: mark a flagged customer as reviewed, with a note."""
    user = require_staff(request)
    mark = customers_needing_attention(user).filter(pk=attention_id).first()
    if mark is None:
        raise NotFound("Nothing to review.")
    done = do_review_customer_attention(mark, actor=user, note=payload.note, now=clock.now())
    return _attention(done)
