"""Forward a case by mail (staff): the same action as the case page's "Forward by mail"."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import Email, ErrorOut, InSchema, Note
from caredesk.core import clock
from caredesk.tickets.access import access_ticket
from caredesk.tickets.forward import do_forward_case

router = Router(tags=["cases"])


class ForwardIn(InSchema):
    to: list[Email] = Field(
        min_length=1, max_length=20, description="1-20 addresses; each gets its own mail."
    )
    note: Note = Field("", description="Shown above the transcript (at most 5,000 characters).")
    include: Literal["all", "last"] = Field(
        "all", description="all: the conversation (the newest 200 messages); last: one message."
    )
    internal_notes: bool = Field(
        False,
        description="Also forward internal notes. They were written for staff only: set "
        "this only when the recipients may read them.",
    )


class ForwardOut(Schema):
    forwarded_to: list[str]
    messages: int = Field(description="How many messages the transcript carries.")
    internal_notes: bool
    mails: list[int] = Field(description="The outbox rows, one per address.")


@router.post("/{case_id}/forward", response={200: ForwardOut, ERROR_CODES: ErrorOut})
def forward_case(request: HttpRequest, case_id: int, payload: ForwardIn) -> ForwardOut:
    """Staff: mail a readable transcript of the case (public messages; internal notes
    only with ``internal_notes``) to up to 20 addresses, through the outbox; audited on
    the case (``forwarded``). 422 for a bad, hostile (CR/LF) or own address."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    done = do_forward_case(
        ticket,
        actor=user,
        to=payload.to,
        note=payload.note,
        include=payload.include,
        internal_notes=payload.internal_notes,
        now=clock.now(),
    )
    return ForwardOut(
        forwarded_to=done.to,
        messages=done.messages,
        internal_notes=done.internal_notes,
        mails=[m.pk for m in done.mails],
    )
