"""A closed case's satisfaction survey (CSAT, docs/csat.md): read it, and the customer's
rating, as the portal and the mail links do."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from caredesk.channels.api.auth import api_user, token_customer
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut
from caredesk.core import clock
from caredesk.core.errors import NotFound, PermissionDenied
from caredesk.feedback import actions
from caredesk.feedback.models import Survey
from caredesk.tickets.access import access_ticket

router = Router(tags=["csat"])


class SurveyOut(Schema):
    id: int
    state: str = Field(description="waiting, sent or skipped.")
    skip_reason: str = Field(description="throttled, machine_sender, no_address, reopened.")
    send_at: datetime | None
    sent_at: datetime | None
    rating: str = Field(description="good, neutral, bad, or '' before an answer.")
    comment: str
    first_rated_at: datetime | None
    rated_at: datetime | None


class RatingIn(Schema):
    rating: Literal["good", "neutral", "bad"]
    comment: str = Field(default="", max_length=2000)


def _out(row: Survey) -> SurveyOut:
    return SurveyOut(
        id=row.pk,
        state=row.state,
        skip_reason=row.skip_reason,
        send_at=row.send_at,
        sent_at=row.sent_at,
        rating=row.rating,
        comment=row.comment,
        first_rated_at=row.first_rated_at,
        rated_at=row.rated_at,
    )


def _survey(request: HttpRequest, case_id: int) -> Survey:
    ticket = access_ticket(api_user(request), case_id)
    row = Survey.objects.filter(ticket_id=ticket.pk).first()
    if row is None:
        raise NotFound("This case has no survey (it is not closed yet).", code="no_survey")
    return row


@router.get("/{case_id}/survey", response={200: SurveyOut, ERROR_CODES: ErrorOut})
def get_survey(request: HttpRequest, case_id: int) -> SurveyOut:
    """The case's satisfaction survey. 404: no such case for you, or no survey yet."""
    return _out(_survey(request, case_id))


@router.post("/{case_id}/survey/rating", response={200: SurveyOut, ERROR_CODES: ErrorOut})
def rate_case(request: HttpRequest, case_id: int, payload: RatingIn) -> SurveyOut:
    """Customer tokens: rate your own closed case ``good``, ``neutral`` or ``bad`` with an
    optional comment (up to 2,000 characters), as the portal does; changeable for
    ``CAREDESK_CSAT_CHANGE_DAYS`` after the first answer. A bad rating with a comment goes
    to the lead's review. 403: staff tokens; 404: no such case or no survey; 409: the
    survey was not sent or can no longer change; 422: malformed body."""
    user = api_user(request)
    if not user.is_customer:
        raise PermissionDenied("Only the customer rates a case.", code="customer_only")
    row = _survey(request, case_id)
    customer = token_customer(request)
    rated = actions.do_rate(
        row.pk,
        customer=customer,
        rating=payload.rating,
        comment=payload.comment,
        now=clock.now(),
        actor=user,
    )
    return _out(rated)
