"""The workspace reply box with an optional promise: one transaction for both."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.promises.actions import PromiseDraft, do_reply_with_promise
from caredesk.promises.forms import parse_local_datetime
from caredesk.promises.suggest import realism_warning
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets.actions import do_reply
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import Ticket


def send_reply(
    request: HttpRequest,
    ticket: Ticket,
    agent: User,
    data: dict[str, Any],
    files: list[IncomingFile],
) -> str:
    """Send the reply (and make its promise, if one was chosen). Returns the success text."""
    now = clock.now()
    kind = data.get("promise_kind") or ""
    if not kind:
        do_reply(
            ticket,
            agent=agent,
            body=data["body"],
            status_after=data["status_after"],
            files=files,
            now=now,
            cc=data.get("cc") or None,
            bcc=data.get("bcc") or None,
            minutes=data.get("minutes"),
        )
        return "Reply sent."
    zone = desk_zone(ticket.team)
    draft = PromiseDraft(
        kind=kind,
        text=data.get("promise_text") or "",
        due_at=parse_local_datetime(data.get("promise_due") or "", zone, field="promise due time"),
        owner=None,
        customer_visible=bool(data.get("promise_visible")),
    )
    _message, promise = do_reply_with_promise(
        ticket,
        agent=agent,
        body=data["body"],
        draft=draft,
        status_after=data["status_after"],
        files=files,
        now=now,
        cc=data.get("cc") or None,
        bcc=data.get("bcc") or None,
        minutes=data.get("minutes"),
    )
    warning = realism_warning(ticket.team, promise.kind, promise.due_at, now)
    if warning:
        messages.warning(request, warning)
    return gettext("Reply sent with a promise due %(when)s.") % {
        "when": when_words(promise.due_at, zone)
    }
