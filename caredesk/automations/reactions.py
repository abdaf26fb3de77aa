"""Automations follow the case events (wired in ``settings.CAREDESK_EVENT_REACTIONS``,
docs/adr/0007-cross-app-reactions.md), in one reaction that reads the active
automations once per change: the state events start and stop the clocks of time
automations, then the event automations run, in the emitting transaction, after the
other reactions."""

from __future__ import annotations

import logging

from django.db import transaction

from caredesk.automations import actions, selectors
from caredesk.automations.kinds import STATE_KINDS
from caredesk.automations.models import Automation, Trigger
from caredesk.core.events import Emitted
from caredesk.tickets.models import MessageKind

log = logging.getLogger(__name__)


def _customer_message(e: Emitted) -> tuple[bool, bool, str]:
    """(is a customer's message, written by machine mail, its text)."""
    new = e.event.data.get("new") or {}
    if not isinstance(new, dict) or new.get("kind") != MessageKind.CUSTOMER:
        return False, False, ""
    message = e.extra.get("message")
    return True, bool(new.get("machine")), getattr(message, "body", "") or ""


def follow_events(group: list[Emitted]) -> None:
    if not any(e.event.ticket_id for e in group):
        return
    every = selectors.active()  # one query per change; nothing more when there are none
    timed = [a for a in every if a.trigger == Trigger.TIME]
    if timed:
        _follow_case_states(group, timed)
    automations = [a for a in every if a.trigger == Trigger.EVENT]
    if not automations:
        return
    # A new case's first message is its opening ("a case is opened"), not a new message.
    opened = {e.event.ticket_id for e in group if e.kind == "case.created"}
    for e in group:
        ticket_id = e.event.ticket_id
        if ticket_id is None:
            continue
        machine, text = False, ""
        if e.kind == "message.added":
            customer, machine, text = _customer_message(e)
            if not customer or ticket_id in opened:
                continue  # "the customer writes": replies and notes are not it
        elif e.kind == "case.created":
            machine = bool(getattr(e.subject, "from_machine", False))
        for automation in automations:
            if e.kind not in automation.events:
                continue
            try:
                with transaction.atomic():  # a broken automation never undoes the change
                    actions.do_run_automation(
                        automation,
                        ticket_id,
                        cause=e.kind,
                        now=e.event.created_at,
                        machine=machine,
                        message_text=text,
                    )
            except Exception:
                log.exception("automation %s failed on case %s", automation.pk, ticket_id)


def _follow_case_states(group: list[Emitted], timed: list[Automation]) -> None:
    ids = sorted({e.event.ticket_id for e in group if e.event.ticket_id and e.kind in STATE_KINDS})
    if ids:
        actions.do_follow_case_states(ids, group[-1].event.created_at, timed)
