"""The conversation on a case. Customer tokens see and write only public messages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.channels.api import present, selectors
from caredesk.channels.api.auth import api_user, token_customer
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.files import decode_files
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import (
    CoverageCheckIn,
    CoverageOut,
    ErrorOut,
    MessageCreateIn,
    MessageOut,
    MessagePage,
)
from caredesk.core import clock
from caredesk.core.errors import PermissionDenied
from caredesk.enrichment import replies as coverage_replies
from caredesk.policies import replies
from caredesk.tickets import actions
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import Channel, Message
from caredesk.tickets.models import Status as CaseStatus
from caredesk.tickets.recipients import check_reply_extras

router = Router(tags=["messages"])


@router.get("/{case_id}/messages", response={200: MessagePage, ERROR_CODES: ErrorOut})
def list_messages(
    request: HttpRequest,
    case_id: int,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=100),
) -> MessagePage:
    """Oldest first. Internal notes are never returned to customer tokens."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    rows, next_cursor = selectors.message_page(user, ticket, cursor, limit)
    return MessagePage(
        items=[present.message(m, staff=user.is_agent_staff) for m in rows], next_cursor=next_cursor
    )


@router.post("/{case_id}/messages", response={201: MessageOut, ERROR_CODES: ErrorOut})
def create_message(
    request: HttpRequest, case_id: int, payload: MessageCreateIn, response: HttpResponse
) -> Status[Any]:
    """Staff: a public ``reply`` (optionally with ``status_after``) or an internal ``note``.
    Customers: ``body`` (and attachments) only; writing on a resolved case reopens it."""
    user = api_user(request)
    ticket = access_ticket(user, case_id)
    if user.is_customer:
        names = ("kind", "status_after", "send_anyway", "minutes")
        refused = [n for n in names if getattr(payload, n) is not None]
        refused += ["policy_versions"] if payload.policy_versions else []
        refused += [n for n in ("cc", "bcc") if getattr(payload, n)]
        if refused:
            raise PermissionDenied(
                f"Customer tokens send body and attachments only, not {', '.join(refused)}.",
                code="field_not_allowed",
                details={"fields": refused},
            )
    elif payload.kind == "note" and (
        payload.status_after is not None
        or payload.policy_versions
        or payload.send_anyway is not None
        or payload.cc
        or payload.bcc
    ):
        raise ApiError(
            422,
            "status_after, policy_versions, send_anyway, cc and bcc apply to replies, "
            "not internal notes.",
            code="invalid_combination",
        )

    def create() -> tuple[int, MessageOut]:
        files = decode_files(payload.attachments)
        now = clock.now()
        if user.is_customer:
            message = actions.do_add_customer_message(
                ticket,
                customer=token_customer(request),
                body=payload.body,
                channel=Channel.API,
                now=now,
                actor=user,
                files=files,
            )
        elif payload.kind == "note":
            message = actions.do_add_note(
                ticket, agent=user, body=payload.body, now=now, files=files, minutes=payload.minutes
            )
        else:
            versions = replies.clean_version_ids(payload.policy_versions)
            check_reply_extras(payload.cc, payload.bcc, payload.minutes)
            with (
                replies.acknowledging(user, versions),
                coverage_replies.checking(
                    user, ticket, payload.body, send_anyway=bool(payload.send_anyway)
                ),
            ):
                message = actions.do_reply(
                    ticket,
                    agent=user,
                    body=payload.body,
                    now=now,
                    status_after=payload.status_after or CaseStatus.WAITING_CUSTOMER,
                    files=files,
                    cc=payload.cc,
                    bcc=payload.bcc,
                    minutes=payload.minutes,
                )
        fresh = (
            Message.objects.select_related("author_user", "author_customer")
            .prefetch_related("attachments")
            .get(pk=message.pk)
        )
        return 201, present.message(fresh, staff=user.is_agent_staff)

    return idempotent(request, response, create)


@router.post("/{case_id}/messages/check", response={200: CoverageOut, ERROR_CODES: ErrorOut})
def check_reply(request: HttpRequest, case_id: int, payload: CoverageCheckIn) -> CoverageOut:
    """Staff: does this draft reply answer the customer's open questions (the pinned
    request while unanswered, and their messages since the last public reply)? The
    same check ``POST /cases/{id}/messages`` runs before sending a reply; nothing is
    sent or recorded here."""
    user = api_user(request)
    if not user.is_agent_staff:
        raise PermissionDenied("Only staff check replies.", code="forbidden")
    ticket = access_ticket(user, case_id)
    result = coverage_replies.check_reply(ticket, payload.body)
    return CoverageOut.model_validate(result.as_dict())
