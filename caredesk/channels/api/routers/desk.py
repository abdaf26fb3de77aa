"""Agent work that the case page and the top bar offer: take the next case from the fair
queue, end an abusive conversation, unflag a message, log a call (which keeps a callback
promise). Each operation calls the same action, with the same checks, as its page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.channels.api import present
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import (
    CaseDetailOut,
    ErrorOut,
    Id,
    InSchema,
    MessageOut,
    Note,
    _Clean,
)
from caredesk.channels.phone.actions import do_log_call
from caredesk.channels.phone.models import CallLog
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.enrichment.actions import do_unflag_message
from caredesk.escalations.actions import do_end_abusive_conversation
from caredesk.sla.queue import claim_next_case
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Message

router = Router(tags=["desk"])


class NextCaseOut(Schema):
    case: CaseDetailOut | None = Field(
        description="The case now assigned to you; null when nothing is waiting."
    )
    message: str


class EndConversationIn(InSchema):
    reason: Note = Field("", description="Empty for the standard notice.")


class ProtectionOut(Schema):
    case_id: int
    agent_id: int
    reason: str
    ended_at: datetime
    excluded_from_agent_metrics: bool


class CallIn(InSchema):
    direction: Literal["outbound", "inbound"]
    outcome: Literal["reached", "voicemail", "no_answer", "busy", "wrong_number"]
    number: Annotated[str, StringConstraints(max_length=40), _Clean] = ""
    duration_seconds: int = Field(0, ge=0, le=86_400)
    notes: Note = Field("", description="Staff only.")


class CallOut(Schema):
    id: int
    case_id: int
    direction: str
    outcome: str
    number: str
    duration_seconds: int
    notes: str
    kept_promise_id: int | None = Field(
        None, description="The callback promise this call kept, if any."
    )
    created_at: datetime


@router.post("/queue/next", response={200: NextCaseOut, ERROR_CODES: ErrorOut})
def next_case(request: HttpRequest) -> NextCaseOut:
    """Next case: assign the most urgent waiting case of your teams (fair by tier) to you."""
    user = require_staff(request)
    ticket = claim_next_case(user, clock.now())
    if ticket is None:
        return NextCaseOut(case=None, message="No case is waiting for your teams right now.")
    fresh = access_ticket(user, ticket.pk)
    out = present.case(fresh, staff=True, detail=True)
    assert isinstance(out, CaseDetailOut)
    return NextCaseOut(case=out, message=f"{fresh.reference} is now yours.")


@router.post(
    "/cases/{case_id}/end-conversation", response={201: ProtectionOut, ERROR_CODES: ErrorOut}
)
def end_conversation(
    request: HttpRequest, case_id: int, payload: EndConversationIn
) -> Status[ProtectionOut]:
    """End an abusive conversation: the customer gets the standard notice, a lead reviews
    the case, and it does not count against you."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    row = do_end_abusive_conversation(ticket, agent=user, reason=payload.reason, now=clock.now())
    return Status(
        201,
        ProtectionOut(
            case_id=row.ticket_id,
            agent_id=row.agent_id,
            reason=row.reason,
            ended_at=row.ended_at,
            excluded_from_agent_metrics=row.excluded_from_agent_metrics,
        ),
    )


@router.post("/messages/{message_id}/unflag", response={200: MessageOut, ERROR_CODES: ErrorOut})
def unflag_message(request: HttpRequest, message_id: Id) -> MessageOut:
    """Show a message flagged as abusive normally again (the classifier was wrong)."""
    user = require_staff(request)
    found = Message.objects.filter(pk=message_id).only("ticket_id").first()
    if found is None:
        raise NotFound("No such message.")
    ticket = access_ticket(user, found.ticket_id)
    message = (
        Message.objects.select_related("author_user", "author_customer")
        .prefetch_related("attachments")
        .get(pk=message_id)
    )
    message.ticket = ticket
    do_unflag_message(message, actor=user, now=clock.now())
    fresh = (
        Message.objects.select_related("author_user", "author_customer", "abuse")
        .prefetch_related("attachments")
        .get(pk=message_id)
    )
    return present.message(fresh, staff=True)


@router.post("/cases/{case_id}/calls", response={201: CallOut, ERROR_CODES: ErrorOut})
def log_call(request: HttpRequest, case_id: int, payload: CallIn) -> Status[CallOut]:
    """Log a phone call on the case. A call that reached (or tried) the customer keeps the
    case's pending callback promise; ``kept_promise_id`` says which."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    call: CallLog = do_log_call(
        ticket,
        agent=user,
        direction=payload.direction,
        number=payload.number,
        duration_seconds=payload.duration_seconds,
        outcome=payload.outcome,
        notes=payload.notes,
        now=clock.now(),
    )
    return Status(
        201,
        CallOut(
            id=call.pk,
            case_id=call.ticket_id,
            direction=call.direction,
            outcome=call.outcome,
            number=call.number,
            duration_seconds=call.duration_seconds,
            notes=call.notes,
            kept_promise_id=call.kept_promise_id,
            created_at=call.created_at,
        ),
    )
