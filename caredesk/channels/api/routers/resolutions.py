"""How a case's resolutions ended ("Is this solved?"), and the customer's answer."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from caredesk.channels.api.auth import api_user, token_customer
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut, ResolutionAnswerIn, ResolutionOut
from caredesk.core import clock
from caredesk.core.errors import Conflict, PermissionDenied
from caredesk.resolutions import actions, selectors
from caredesk.resolutions.models import Resolution
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Channel

router = Router(tags=["resolutions"])


def _out(row: Resolution, *, staff: bool) -> ResolutionOut:
    return ResolutionOut(
        id=row.pk,
        outcome=row.outcome,
        resolved_at=row.resolved_at,
        answered_at=row.answered_at,
        asked_at=row.asked_at,
        confirm_due_at=row.confirm_due_at,
        counts_as_reopen=row.counts_as_reopen,
        agent_id=row.agent_id if staff else None,
        team_id=row.team_id if staff else None,
    )


@router.get("/{case_id}/resolutions", response={200: list[ResolutionOut], ERROR_CODES: ErrorOut})
def list_resolutions(request: HttpRequest, case_id: int) -> list[ResolutionOut]:
    """Every time the case was resolved (or closed without being resolved), newest first,
    with how it ended: ``pending``, ``confirmed``, ``rejected``, ``unconfirmed``,
    ``closed_by_staff`` or ``reopened`` (docs/resolutions.md). 404: no such case for you."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    return [_out(r, staff=user.is_agent_staff) for r in selectors.history(ticket)]


@router.post("/{case_id}/resolution/answer", response={200: ResolutionOut, ERROR_CODES: ErrorOut})
def answer_resolution(
    request: HttpRequest, case_id: int, payload: ResolutionAnswerIn
) -> ResolutionOut:
    """Customer tokens: answer "Is this solved?" on your own resolved case, as the portal
    does. ``solved: true`` closes it (``confirmed``); ``false`` reopens it with ``words``
    (optional, up to 5,000 characters) as your message (``rejected``). 403: staff tokens
    (staff reopen or close a case with ``PATCH /cases/{id}``) or a colleague's case;
    404: no such case; 409: no open question (not resolved, or already answered);
    422: malformed body."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    if not user.is_customer:
        raise PermissionDenied(
            'Only the customer answers "Is this solved?"; staff change the status instead.',
            code="customer_only",
        )
    customer = token_customer(request)
    if ticket.customer_id != customer.pk:
        raise PermissionDenied("Only the customer who opened the case can answer.")
    question = selectors.open_question(ticket)
    if question is None:
        raise Conflict("There is no open question on this case.", code="no_open_question")
    row = actions.do_answer(
        question.pk,
        solved=payload.solved,
        customer=customer,
        words="" if payload.solved else payload.words,
        now=clock.now(),
        channel=Channel.API,
        actor=user,
    )
    return _out(row, staff=False)
