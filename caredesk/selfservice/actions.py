"""Every change to self-service requests goes through these functions (house rule 1).

* :func:`do_save_request_type` — admins define a request type (the admin and the API).
* :func:`do_request_self_service` — the customer's one step: checked (their record, the
  right kind, the policy's eligibility rules), recorded with its event (the webhook the
  business's system acts on), the confirmation mail queued in the outbox, and the
  ``selfservice.outcome`` deadline set. A double submit returns the open request.
* :func:`do_report_outcome` — the business says done or failed (idempotent); a failure
  opens a case for staff with the request linked.
* :func:`do_fire_outcome_deadline` — the deadline's fire action: no outcome in time opens
  a case for staff. Idempotent.

Each runs in one transaction and writes its audit event there (``core.audit``, which
appends to the event log that feeds the webhooks; on the case's log when one is opened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from caredesk.accounts.models import Role, User
from caredesk.core import audit as core_audit
from caredesk.core import deadlines
from caredesk.core.clock import require_aware
from caredesk.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.core.text import clean_line
from caredesk.customers.models import Customer
from caredesk.offers import actions as offer_actions
from caredesk.offers.models import Offer
from caredesk.records import actions as record_actions
from caredesk.records.models import Record, RecordLine
from caredesk.selfservice import selectors
from caredesk.selfservice.models import (
    MAX_REASON,
    Kind,
    RequestType,
    SelfServiceRequest,
    Status,
)
from caredesk.selfservice.validation import clean_details, type_errors
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit as case_audit
from caredesk.tickets.models import Channel, Ticket

OUTCOME = "selfservice.outcome"  # the deadline kind of ``SelfServiceRequest.outcome_due_at``
MAIL = "selfservice_confirmation"
NEEDS_PERSON_MAIL = "selfservice_needs_person"
SURFACES = ("portal", "api")


@dataclass(frozen=True)
class Submitted:
    request: SelfServiceRequest
    created: bool  # False: a double submit found the open request


def _type_summary(rt: RequestType) -> dict[str, Any]:
    return {
        "type": rt.pk,
        "name": rt.name,
        "kind": rt.kind,
        "record_kinds": list(rt.record_kinds),
        "policy": rt.policy_id,
        "outcome_hours": rt.outcome_hours,
        "offer_retention": rt.offer_retention,
        "is_active": rt.is_active,
    }


def do_save_request_type(rt: RequestType, *, actor: User, now: datetime) -> RequestType:
    """Create or change a request type (admins). Refused whole when a field is wrong."""
    require_aware(now, "now")
    if not actor.is_agent_staff or actor.role != Role.ADMIN:
        raise PermissionDenied("Only admins define self-service requests.", code="admins_only")
    rt.name = " ".join(str(rt.name or "").split())
    rt.confirmation_text = str(rt.confirmation_text or "").strip()
    errors = type_errors(rt)
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(f"{field}: {message}", code="invalid_type", details=errors)
    with transaction.atomic():
        old = None
        if rt.pk is not None:
            before = RequestType.objects.select_for_update().filter(pk=rt.pk).first()
            old = _type_summary(before) if before is not None else None
        clash = RequestType.objects.filter(name__iexact=rt.name).exclude(pk=rt.pk)
        if clash.exists():
            raise Conflict(f"A request named {rt.name!r} exists already.", code="duplicate")
        try:
            with transaction.atomic():
                rt.save()
        except IntegrityError:
            raise Conflict(
                f"A request named {rt.name!r} exists already.", code="duplicate"
            ) from None
        core_audit.record(
            "selfservice.type_saved",
            actor=actor,
            now=now,
            field="selfservice_type",
            old=old,
            new=_type_summary(rt),
        )
    return rt


def payload(req: SelfServiceRequest) -> dict[str, Any]:
    """What the business's system gets (the event's ``data.new``) and the API shows."""
    record, line = req.record, req.line
    return {
        "request": req.pk,
        "type": req.type_id,
        "type_name": req.type.name,
        "kind": req.type.kind,
        "status": req.status,
        "reason": req.reason,
        "customer": {
            "id": req.customer_id,
            "name": req.customer.name,
            "email": req.customer.primary_email,
        },
        "record": (
            {"id": record.pk, "kind": record.kind, "external_id": record.external_id}
            if record is not None
            else None
        ),
        "line": ({"id": line.pk, "product": line.product} if line is not None else None),
        "details": dict(req.details),
        "requested_at": req.requested_at.isoformat(),
        "case": req.ticket_id,
    }


def _target(rt: RequestType, record: Record | None, line: RecordLine | None) -> str:
    return f"{rt.pk}:{record.pk if record else 0}:{line.pk if line else 0}"


def _checked_target(
    rt: RequestType, customer: Customer, record_id: int | None, line_id: int | None
) -> tuple[Record | None, RecordLine | None]:
    if not rt.needs_record:
        if record_id is not None or line_id is not None:
            raise InvalidInput(f"{rt.name} is not about a record.", field="record_id")
        return None, None
    if record_id is None:
        raise InvalidInput("Choose the record this is about.", field="record_id", code="required")
    record = selectors.customer_record(customer, record_id)
    if record.kind not in rt.record_kinds:
        raise InvalidInput(
            f"{rt.name} applies to {', '.join(rt.record_kinds)}, not to a {record.kind}.",
            field="record_id",
            code="wrong_record_kind",
        )
    line = None
    if rt.needs_line:
        if line_id is None:
            raise InvalidInput("Choose the item to return.", field="line_id", code="required")
        line = selectors.record_line(record, line_id)
    elif line_id is not None:
        raise InvalidInput(f"{rt.name} is about the whole record.", field="line_id")
    if rt.kind == Kind.CANCEL_SUBSCRIPTION and record.status in selectors.CANCELLED:
        raise Conflict(f"{record.label} is {record.status} already.", code="already_cancelled")
    return record, line


def _decline_shown_offer(
    offer: Offer, customer: Customer, actor: User, surface: str, now: datetime
) -> None:
    """The customer went on with the cancellation past the offer: that is their "no,
    thanks", so it is not shown again. Never a step more, and never a reason to fail:
    an offer that can no longer be answered (locked meanwhile, answered) is left alone."""
    try:
        with transaction.atomic():
            offer_actions.do_answer_offer(
                offer, customer, accept=False, actor=actor, surface=surface, now=now
            )
    except DomainError:
        pass


def do_request_self_service(
    rt: RequestType,
    customer: Customer,
    *,
    actor: User,
    now: datetime,
    record_id: int | None = None,
    line_id: int | None = None,
    details: Any = None,
    surface: str = "portal",
    declined_offer: Offer | None = None,
) -> Submitted:
    """The customer's one step. Refused (nothing written) for a type that is off, a record
    that is not theirs (404), of the wrong kind, or that the policy's rules refuse (409
    ``not_eligible`` with the customer-facing reasons). Submitting the same again while it
    is open returns the open request (``created`` False)."""
    require_aware(now, "now")
    if surface not in SURFACES:
        raise DomainError(f"Unknown surface {str(surface)[:40]!r}.", code="invalid_surface")
    if not actor.is_customer or customer.user_id != actor.pk:
        raise PermissionDenied("A customer makes self-service requests for themselves.")
    if not rt.is_active:
        raise NotFound("No such self-service request.", code="unknown_type")
    record, line = _checked_target(rt, customer, record_id, line_id)
    cleaned = clean_details(rt, details)
    target = _target(rt, record, line)
    with transaction.atomic():
        # One writer per customer: a double submit waits here and finds the first.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        open_one = SelfServiceRequest.objects.filter(
            customer=customer, target=target, status=Status.REQUESTED
        ).first()
        if open_one is not None:
            return Submitted(open_one, False)
        outcome = selectors.eligibility(rt, record, line, now)
        if not outcome.eligible:
            raise Conflict(
                " ".join(outcome.reasons),
                code="not_eligible",
                details={"reasons": list(outcome.reasons)},
            )
        if declined_offer is not None:
            _decline_shown_offer(declined_offer, customer, actor, surface, now)
        req = SelfServiceRequest.objects.create(
            type=rt,
            customer=customer,
            record=record,
            line=line,
            target=target,
            details=cleaned,
            surface=surface,
            requested_by=actor,
            requested_at=now,
            outcome_due_at=now + timedelta(hours=rt.outcome_hours),
        )
        core_audit.record(
            "selfservice.requested",
            actor=actor,
            now=now,
            field="selfservice",
            new=payload(req),
            note=req.label,
        )
        deadlines.schedule(OUTCOME, [req.pk], req.outcome_due_at)
        send_mail(
            MAIL,
            customer.primary_email,
            {
                "customer_name": customer.name,
                "request": req,
                "next": rt.confirmation_text,
                "language": customer.language,
            },
            now=now,
            kind=OutboundEmail.Kind.NOTICE,
            auto=True,
        )
    return Submitted(req, True)


def _open_case(req: SelfServiceRequest, why: str, now: datetime) -> Ticket:
    """A case for staff about the request, the record linked, the request on its log.
    The customer is told what happened and which case a person now has (instead of the
    generic acknowledgement, which would quote this text as their own words)."""
    channel = Channel.API if req.surface == "api" else Channel.PORTAL
    details = "".join(f"\n{k}: {v}" for k, v in sorted(req.details.items()))
    ticket = ticket_actions.do_open_ticket(
        customer=req.customer,
        subject=f"Self-service request needs a person: {req.label}"[:255],
        body=(
            f"{why}\n\nRequest #{req.pk}: {req.label}, asked on "
            f"{req.requested_at:%Y-%m-%d %H:%M %Z} in the {req.surface}.{details}\n\n"
            "Opened by caredesk for staff."
        ),
        channel=channel,
        now=now,
        acknowledge=False,
    )
    if req.record_id is not None:
        record_actions.do_link_record(
            ticket, actor=None, record_id=req.record_id, line_id=req.line_id, now=now
        )
    case_audit.record(
        ticket,
        None,
        "selfservice_linked",
        now=now,
        field="selfservice",
        new={"request": req.pk},
        note=req.label,
    )
    req.ticket = ticket
    customer = req.customer
    send_mail(
        NEEDS_PERSON_MAIL,
        customer.primary_email,
        {"customer_name": customer.name, "request": req, "why": why, "ticket": ticket},
        now=now,
        kind=OutboundEmail.Kind.NOTICE,
        auto=True,
        case_id=ticket.pk,
        thread=True,
    )
    return ticket


def _clean_reason(outcome: str, reason: str) -> str:
    text = " ".join(str(reason or "").split())
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"The reason is too long ({len(text):,} characters; the limit is {MAX_REASON}).",
            field="reason",
            code="too_long",
        )
    if outcome == Status.FAILED and not text:
        raise InvalidInput(
            "Say why it failed; the customer reads it.", field="reason", code="empty"
        )
    return clean_line(text, max_chars=MAX_REASON, field="reason") if text else ""


def do_report_outcome(
    request_id: int, *, outcome: str, reason: str = "", actor: User, now: datetime
) -> tuple[SelfServiceRequest, bool]:
    """The business's system says ``done`` or ``failed`` (with the reason the customer
    reads). The same outcome again changes nothing (``False``); a different one after
    it was settled is a 409. A failure opens a case for staff (once)."""
    require_aware(now, "now")
    if not actor.is_agent_staff:
        raise PermissionDenied("The business reports outcomes with a staff token.")
    if outcome not in (Status.DONE, Status.FAILED):
        raise InvalidInput("The outcome is done or failed.", field="outcome")
    text = _clean_reason(outcome, reason)
    with transaction.atomic():
        req = (
            SelfServiceRequest.objects.select_for_update(of=("self",))
            .select_related("type", "customer", "record", "line")
            .filter(pk=request_id)
            .first()
        )
        if req is None:
            raise NotFound("No such self-service request.")
        if req.status == outcome:
            return req, False
        if req.status != Status.REQUESTED:
            raise Conflict(f"This request is {req.status} already.", code="already_settled")
        old = req.status
        req.status, req.reason, req.outcome_at, req.outcome_due_at = outcome, text, now, None
        if outcome == Status.FAILED and req.ticket_id is None:
            _open_case(req, f"It failed in our system: {text}", now)
        req.save(update_fields=["status", "reason", "outcome_at", "outcome_due_at", "ticket"])
        core_audit.record(
            f"selfservice.{outcome}",
            actor=actor,
            now=now,
            field="status",
            old=old,
            new=payload(req),
            note=text,
        )
    return req, True


def do_fire_outcome_deadline(request_id: int, now: datetime) -> bool:
    """No outcome by ``outcome_due_at``: open a case for staff (the request stays
    requested: the business may still answer). Safe to run twice or early."""
    require_aware(now, "now")
    with transaction.atomic():
        req = (
            SelfServiceRequest.objects.select_for_update(of=("self",))
            .select_related("type", "customer", "record", "line")
            .filter(pk=request_id)
            .first()
        )
        if req is None or req.outcome_due_at is None or req.outcome_due_at > now:
            return False
        if req.status != Status.REQUESTED or req.ticket_id is not None:
            SelfServiceRequest.objects.filter(pk=req.pk).update(outcome_due_at=None)
            return False
        hours = req.type.outcome_hours
        _open_case(req, f"Our system did not report an outcome within {hours} hours.", now)
        req.outcome_due_at = None
        req.save(update_fields=["ticket", "outcome_due_at"])
        core_audit.record(
            "selfservice.overdue",
            actor=None,
            now=now,
            field="selfservice",
            new=payload(req),
            note=f"No outcome within {hours} hours.",
        )
    return True
