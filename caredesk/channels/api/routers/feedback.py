"""Feedback about agents (kudos and complaints) and the review of complaints, and the
admin's replay of quarantined mail. Same actions and checks as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from caredesk.accounts.selectors import assignable_staff
from caredesk.channels.api.auth import api_user, require_staff, token_customer
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import Body, ErrorOut, Id, InSchema
from caredesk.channels.email.actions import do_replay
from caredesk.core import clock
from caredesk.core.errors import NotFound, PermissionDenied
from caredesk.feedback import actions
from caredesk.feedback.models import Feedback, FeedbackSource
from caredesk.tickets.access import access_ticket

router = Router(tags=["feedback"])


class FeedbackIn(InSchema):
    agent_id: Id
    kind: Literal["kudos", "complaint"]
    body: Body


class FeedbackOut(Schema):
    id: int
    case_id: int
    agent_id: int
    kind: str
    source: str
    outcome: str
    review_reason: str = ""
    created_at: datetime


class ComplaintReviewIn(InSchema):
    outcome: Literal["upheld", "not_upheld", "policy"]
    reason: Body = Field(description="The agent sees this.")


class ReplayOut(Schema):
    raw_id: int
    state: str


def _out(row: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=row.pk,
        case_id=row.ticket_id,
        agent_id=row.agent_id,
        kind=row.kind,
        source=row.source,
        outcome=row.outcome,
        review_reason=row.review_reason,
        created_at=row.created_at,
    )


@router.post("/cases/{case_id}/feedback", response={201: FeedbackOut, ERROR_CODES: ErrorOut})
def leave_feedback(request: HttpRequest, case_id: int, payload: FeedbackIn) -> Status[FeedbackOut]:
    """Customers: kudos or a complaint about an agent who worked their case. Managers and
    admins: feedback about an agent (a complaint goes to the agent's lead for review)."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    now = clock.now()
    if user.is_customer:
        agent = next((a for a in actions.agents_on_case(ticket) if a.pk == payload.agent_id), None)
        if agent is None:
            raise NotFound("That person did not work on this case.", code="unknown_agent")
        row = actions.do_leave_feedback(
            ticket,
            agent=agent,
            kind=payload.kind,
            body=payload.body,
            source=FeedbackSource.PORTAL,
            author_customer=token_customer(request),
            now=now,
        )
        return Status(201, _out(row))
    require_staff(request)
    if not user.sees_all_cases:
        raise PermissionDenied("Managers and admins leave feedback about agents.")
    found = next(
        (a for a in assignable_staff() if a.pk == payload.agent_id and a.pk != user.pk), None
    )
    if found is None:
        raise NotFound("There is no such agent.", code="unknown_agent")
    row = actions.do_leave_feedback(
        ticket,
        agent=found,
        kind=payload.kind,
        body=payload.body,
        source=FeedbackSource.MANAGER,
        author_user=user,
        now=now,
    )
    return Status(201, _out(row))


@router.post(
    "/complaints/{complaint_id}/review", response={200: FeedbackOut, ERROR_CODES: ErrorOut}
)
def review_complaint(
    request: HttpRequest, complaint_id: Id, payload: ComplaintReviewIn
) -> FeedbackOut:
    """The agent's lead (or a manager): upheld, not upheld, or refusal followed policy."""
    user = require_staff(request)
    row = Feedback.objects.select_related("ticket", "agent").filter(pk=complaint_id).first()
    if row is None or not (actions.can_review(user, row) or user.sees_all_cases):
        raise NotFound("No such complaint.")
    access_ticket(user, row.ticket_id)
    done = actions.do_review_complaint(
        row, reviewer=user, outcome=payload.outcome, reason=payload.reason, now=clock.now()
    )
    return _out(done)


@router.post("/mail/quarantine/{raw_id}/replay", response={200: ReplayOut, ERROR_CODES: ErrorOut})
def replay_quarantined(request: HttpRequest, raw_id: Id) -> ReplayOut:
    """Admins: send a quarantined message through intake again (after a fix)."""
    user = require_staff(request)
    if user.role != "admin":
        raise NotFound("Not found.")
    return ReplayOut(raw_id=raw_id, state=do_replay(raw_id, actor=user, now=clock.now()))
