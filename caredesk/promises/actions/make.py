"""Making, moving, handing over and withdrawing promises (house rule 1).

Each runs in one transaction (locking the case row first, then the promise, the same
order the case actions use), writes audit events with old and new values — public for
promises the customer sees, so the portal history shows them — and enqueues side
effects after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import languages
from caredesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from caredesk.core.text import clean_body
from caredesk.policies import eligibility
from caredesk.promises import engine, notices
from caredesk.promises.actions.common import change_owner, refresh_ticket, set_alarm
from caredesk.promises.actions.keep import keep
from caredesk.promises.models import (
    PENDING_STATES,
    KeptHow,
    Kind,
    Promise,
    PromiseChange,
    State,
)
from caredesk.promises.validation import (
    check_due,
    check_kind,
    check_note,
    check_owner,
    check_phone,
    check_text,
)
from caredesk.promises.wording import desk_zone, promise_sentence, when_words
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import Message, Status, Ticket

MAX_CUSTOMER_CALLBACKS = 1


@dataclass(frozen=True)
class PromiseDraft:
    """What an agent promises; validated by :func:`check_draft` before any write."""

    kind: str
    text: str
    due_at: datetime | None
    owner: User | None = None
    customer_visible: bool = True
    # Set by check_draft: the granted override that allows an ineligible return/refund.
    override: str = ""


def check_eligibility(ticket: Ticket, kind: str, now: datetime) -> str:
    """Before a return, exchange, refund or exception is promised, the policies' rules are
    checked against the case's linked record. Ineligible: refused with the reasons,
    unless the case has a granted override (an approved policy exception), which is
    returned to be audited with the promise."""
    if kind not in eligibility.GATED_KINDS:
        return ""
    outcome = eligibility.check_case(ticket, kind, now=now)
    if outcome.eligible:
        return ""
    override = eligibility.granted_override(ticket.pk)
    if override:
        return override
    raise DomainError(
        f"Not eligible for {Kind(kind).label.lower()}: {' '.join(outcome.reasons)} "
        "To promise it anyway, ask for a Policy exception under Goodwill and approvals; "
        "once it is granted, make the promise again.",
        code="not_eligible",
        details={"applies_to": kind, "reasons": list(outcome.reasons)},
    )


def check_draft(draft: PromiseDraft, ticket: Ticket, actor: User, now: datetime) -> PromiseDraft:
    if not actor.is_agent_staff:
        raise PermissionDenied(gettext("Only staff can make promises."))
    kind = check_kind(draft.kind)
    checked = PromiseDraft(
        kind=kind,
        text=check_text(draft.text),
        due_at=check_due(draft.due_at, now),
        owner=check_owner(draft.owner or actor, ticket),
        customer_visible=bool(draft.customer_visible),
    )
    override = check_eligibility(ticket, kind, now)
    return replace(checked, override=override) if override else checked


def may_manage(actor: User, promise: Promise) -> bool:
    """The owner, and leads, managers and admins, may keep, move, hand over or cancel."""
    return actor.is_agent_staff and (
        promise.owner_id == actor.pk or actor.level >= ROLE_LEVEL[Role.LEAD]
    )


def _create(
    ticket: Ticket,
    draft: PromiseDraft,
    *,
    actor: User | None,
    now: datetime,
    requested_by_customer: bool = False,
    callback_number: str = "",
    window_start: datetime | None = None,
) -> Promise:
    assert draft.due_at is not None
    remind_at = engine.remind_time(draft.due_at, now)
    promise = Promise.objects.create(
        ticket=ticket,
        team=ticket.team,
        kind=draft.kind,
        text=draft.text,
        owner=draft.owner,
        created_by=actor if actor is not None and actor.is_agent_staff else None,
        requested_by_customer=requested_by_customer,
        customer_visible=draft.customer_visible,
        created_at=now,
        due_at=draft.due_at,
        remind_at=remind_at,
        reminded=remind_at is None,
        callback_number=callback_number,
        window_start=window_start,
    )
    zone = desk_zone(ticket.team)
    audit.record(
        ticket,
        actor,
        "promise_made",
        now=now,
        field="promise",
        new={
            "promise": draft.text,
            "kind": draft.kind,
            "due": draft.due_at.isoformat(),
            "owner": draft.owner.display_name if draft.owner else None,
            **({"eligibility_override": draft.override} if draft.override else {}),
        },
        note=promise_sentence(draft.kind, draft.text, draft.due_at, zone),
        public=draft.customer_visible,
    )
    set_alarm(promise)
    refresh_ticket(ticket.pk)
    return promise


def do_make_promise(ticket: Ticket, *, actor: User, draft: PromiseDraft, now: datetime) -> Promise:
    """An agent promises something on a case (from the case page or the API)."""
    draft = check_draft(draft, ticket, actor, now)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=ticket.pk)
        )
        return _create(ticket, draft, actor=actor, now=now)


def do_reply_with_promise(
    ticket: Ticket,
    *,
    agent: User,
    body: str,
    draft: PromiseDraft,
    now: datetime,
    status_after: str = Status.WAITING_CUSTOMER,
    files: list[IncomingFile] | None = None,
    cc: str | Sequence[str] | None = None,
    bcc: str | Sequence[str] | None = None,
    minutes: object = None,
) -> tuple[Message, Promise]:
    """A public reply that makes a promise: both or neither (one transaction).

    The reply states the promise in words, so the customer's email confirms it."""
    draft = check_draft(draft, ticket, agent, now)
    assert draft.due_at is not None
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="reply")
    if draft.customer_visible:
        sentence = promise_sentence(
            draft.kind,
            draft.text,
            draft.due_at,
            desk_zone(ticket.team),
            languages.for_context({"ticket": ticket}),
        )
        body = f"{body.rstrip()}\n\n{sentence}"
    with transaction.atomic():
        message = ticket_actions.do_reply(
            ticket,
            agent=agent,
            body=body,
            now=now,
            status_after=status_after,
            files=files,
            cc=cc,
            bcc=bcc,
            minutes=minutes,
        )
        locked = (
            Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=ticket.pk)
        )
        promise = _create(locked, draft, actor=agent, now=now)
    return message, promise


def _locked(promise_id: int) -> Promise:
    """Lock the case row, then the promise row (the order case actions use)."""
    row = Promise.objects.filter(pk=promise_id).values_list("ticket_id", flat=True).first()
    if row is None:
        raise NotFound(gettext("No such promise."))
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=row)
    promise = (
        Promise.objects.select_for_update(of=("self",))
        .select_related("owner", "team")
        .get(pk=promise_id)
    )
    promise.ticket = ticket
    return promise


def _require_manager(actor: User, promise: Promise, what: str) -> None:
    if not may_manage(actor, promise):
        raise PermissionDenied(f"Only the promise's owner or a lead can {what}.")


def _require_pending(promise: Promise, what: str) -> None:
    if promise.state not in PENDING_STATES:
        raise Conflict(
            f"This promise is already {promise.get_state_display().lower()}; it cannot be {what}.",
            code="promise_settled",
        )


def do_keep_promise(promise: Promise, *, actor: User, note: str, now: datetime) -> Promise:
    """Mark a promise kept by hand, with a note saying what was done."""
    note = check_note(note, required=True, field="note on what was done")
    with transaction.atomic():
        promise = _locked(promise.pk)
        _require_manager(actor, promise, "mark it kept")
        _require_pending(promise, "marked kept")
        keep(promise, actor=actor, how=KeptHow.MARKED, now=now, note=note)
    return promise


def do_renegotiate_promise(
    promise: Promise, *, actor: User, new_due: datetime | None, message: str, now: datetime
) -> PromiseChange:
    """Move the due time. For a promise the customer sees, the customer is told: the
    message goes out as a public reply with the new time in words, and is recorded."""
    checked_due = check_due(new_due, now, field="new due time")
    text = check_note(message, required=False, field="message to the customer")
    with transaction.atomic():
        promise = _locked(promise.pk)
        _require_manager(actor, promise, "move it")
        _require_pending(promise, "moved")
        ticket = promise.ticket
        old_due = promise.due_at
        if checked_due == old_due:
            raise DomainError(
                gettext("The new due time is the same as the current one."), code="unchanged"
            )
        zone = desk_zone(promise.team)
        new_words, old_words = when_words(checked_due, zone), when_words(old_due, zone)
        reply: Message | None = None
        if promise.customer_visible:
            if not text:
                raise DomainError(
                    gettext(
                        "Moving a promise the customer sees needs a message to the customer: "
                        "say why, and what happens now."
                    ),
                    code="message_required",
                )
            language = languages.for_context({"ticket": ticket})
            sentence = promise_sentence(promise.kind, promise.text, checked_due, zone, language)
            with translation.override(language):
                had_said = gettext("(We had said %(when)s.)") % {"when": when_words(old_due, zone)}
            body = f"{text}\n\n{sentence} {had_said}"
            with engine.replies_do_not_keep():
                reply = ticket_actions.do_reply(
                    ticket, agent=actor, body=body, now=now, status_after=ticket.status
                )
        old_state = promise.state
        promise.due_at = checked_due
        promise.state = State.OPEN
        promise.remind_at = engine.remind_time(checked_due, now)
        promise.reminded = promise.remind_at is None
        promise.escalated = False
        promise.customer_updated = False
        promise.taken_over_at = None
        promise.missed_at = None
        promise.renegotiations += 1
        promise.save(
            update_fields=[
                "due_at",
                "state",
                "remind_at",
                "reminded",
                "escalated",
                "customer_updated",
                "taken_over_at",
                "missed_at",
                "renegotiations",
            ]
        )
        change = PromiseChange.objects.create(
            promise=promise,
            what=PromiseChange.What.DUE,
            actor=actor,
            old_due_at=old_due,
            new_due_at=checked_due,
            reason=text,
            message=reply,
            created_at=now,
        )
        audit.record(
            ticket,
            actor,
            "promise_renegotiated",
            now=now,
            field="due",
            old={"promise": promise.text, "due": old_due.isoformat(), "state": old_state},
            new={"promise": promise.text, "due": checked_due.isoformat()},
            note=f"{promise.text}: new time {new_words} (was {old_words}).",
            public=promise.customer_visible,
        )
        set_alarm(promise)
        refresh_ticket(ticket.pk)
    return change


def do_reassign_promise(
    promise: Promise, *, actor: User, owner: User, now: datetime, reason: str = ""
) -> PromiseChange:
    """Hand a promise to another person. A lead taking over a missed promise stops the
    automatic update to the customer."""
    reason = check_note(reason, required=False, field="reason")
    with transaction.atomic():
        promise = _locked(promise.pk)
        _require_manager(actor, promise, "hand it over")
        _require_pending(promise, "handed over")
        check_owner(owner, promise.ticket)
        if owner.pk == promise.owner_id:
            raise DomainError(
                gettext("%(name)s already owns this promise.") % {"name": owner.display_name},
                code="unchanged",
            )
        change = change_owner(
            promise, actor=actor, owner=owner, now=now, reason=reason, verb="promise_reassigned"
        )
        if owner.pk != actor.pk:
            notices.notify(
                owner,
                promise,
                notices.NoticeKind.HANDED_OVER,
                f"{promise.ticket.reference}: {actor.display_name} handed you a promise",
                now,
            )
    return change


def do_cancel_promise(promise: Promise, *, actor: User, note: str, now: datetime) -> Promise:
    """Withdraw a promise that no longer applies (the customer no longer needs it…)."""
    note = check_note(note, required=True, field="reason for cancelling")
    with transaction.atomic():
        promise = _locked(promise.pk)
        _require_manager(actor, promise, "cancel it")
        _require_pending(promise, "cancelled")
        old_state = promise.state
        promise.state = State.CANCELLED
        promise.cancelled_at = now
        promise.cancel_note = note
        promise.alarm_at = None
        if promise.miss_count:
            promise.settled_at = promise.missed_due_at
        promise.save(
            update_fields=["state", "cancelled_at", "cancel_note", "alarm_at", "settled_at"]
        )
        audit.record(
            promise.ticket,
            actor,
            "promise_cancelled",
            now=now,
            field="promise",
            old={"promise": promise.text, "state": old_state},
            new={"promise": promise.text, "state": State.CANCELLED},
            note=f"{promise.text} — withdrawn: {note}",
            public=promise.customer_visible,
        )
        refresh_ticket(promise.ticket_id)
    return promise


def do_request_callback(
    ticket: Ticket,
    *,
    customer_user: User,
    number: str,
    window_start: datetime | None,
    window_end: datetime | None,
    note: str,
    now: datetime,
) -> Promise:
    """The customer asks for a callback in a preferred window (portal). It becomes a
    callback promise for the team: owned by the case's assignee, else the team lead."""
    if not customer_user.is_customer:
        raise PermissionDenied(gettext("Only customers request callbacks here."))
    number = check_phone(number, required=True)
    note = check_note(note, required=False, field="note")[:500]
    end = check_due(window_end, now, field="end of the window")
    if window_start is None:
        start = now
    else:
        if window_start.tzinfo is None or window_start.utcoffset() is None:
            raise DomainError(
                gettext("The start of the window needs a time zone."), code="naive_datetime"
            )
        start = max(window_start, now)
        if window_start >= end:
            raise DomainError(
                gettext("The window must end after it starts."), code="invalid_window"
            )
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("team__lead", "assignee")
            .get(pk=ticket.pk)
        )
        if ticket.status == Status.CLOSED:
            raise Conflict(
                "This case is closed; open a new case to ask for a call.", code="case_closed"
            )
        waiting = Promise.objects.filter(
            ticket=ticket, kind=Kind.CALLBACK, requested_by_customer=True, state__in=PENDING_STATES
        ).count()
        if waiting >= MAX_CUSTOMER_CALLBACKS:
            raise Conflict(
                "You already asked for a callback on this case; we will call you in the window "
                "you chose.",
                code="callback_pending",
            )
        owner = ticket.assignee if ticket.assignee and ticket.assignee.is_agent_staff else None
        if owner is None and ticket.team is not None:
            owner = ticket.team.lead
        zone = desk_zone(ticket.team)
        start_local = start.astimezone(zone)
        text = (
            f"Call {number} between {start_local:%a %d %b %H:%M} and {end.astimezone(zone):%H:%M}"
        )
        if end.astimezone(zone).date() != start_local.date():
            text = f"Call {number} between {start_local:%a %d %b %H:%M} and {when_words(end, zone)}"
        if note:
            text = f"{text} — {note}"
        draft = PromiseDraft(
            kind=Kind.CALLBACK,
            text=text[:500],
            due_at=end,
            owner=owner,
            customer_visible=True,
        )
        promise = _create(
            ticket,
            draft,
            actor=customer_user,
            now=now,
            requested_by_customer=True,
            callback_number=number,
            window_start=start,
        )
        notices.notify(
            owner,
            promise,
            notices.NoticeKind.HANDED_OVER,
            f"{ticket.reference}: the customer asked for a callback",
            now,
        )
    return promise
