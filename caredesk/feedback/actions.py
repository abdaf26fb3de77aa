"""Leaving feedback about an agent and reviewing complaints. Audited; mail after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.core import deadlines
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from caredesk.core.text import clean_body
from caredesk.customers.models import Customer
from caredesk.feedback import csat, tasks
from caredesk.feedback.models import (
    DECIDED_OUTCOMES,
    Feedback,
    FeedbackKind,
    FeedbackSource,
    Rating,
    ReviewOutcome,
    Survey,
    SurveyState,
)
from caredesk.tickets import audit
from caredesk.tickets.models import Message, MessageKind, Status, Ticket

MAX_BODY = 5000


def agents_on_case(ticket: Ticket) -> list[User]:
    """Staff a customer can give feedback about: the assignee and whoever replied."""
    ids = set(
        Message.objects.filter(
            ticket=ticket, kind=MessageKind.REPLY, author_user__isnull=False
        ).values_list("author_user_id", flat=True)
    )
    if ticket.assignee_id is not None:
        ids.add(ticket.assignee_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("name", "id"))


def reviewer_for(agent: User, ticket: Ticket) -> User | None:
    """The agent's lead (the case's team first); a manager when the agent has no lead."""
    team_ids = list(Membership.objects.filter(user=agent).values_list("team_id", flat=True))
    ordered = ([ticket.team_id] if ticket.team_id in team_ids else []) + [
        t for t in team_ids if t != ticket.team_id
    ]
    teams = {t.pk: t for t in Team.objects.select_related("lead").filter(pk__in=ordered)}
    for team_id in ordered:
        lead = teams[team_id].lead if team_id in teams else None
        if lead is not None and lead.is_agent_staff and lead.pk != agent.pk:
            return lead
    return (
        User.objects.filter(role__in=[Role.MANAGER, Role.ADMIN], is_active=True)
        .exclude(pk=agent.pk)
        .order_by("role", "id")
        .first()
    )


def do_leave_feedback(
    ticket: Ticket,
    *,
    agent: User,
    kind: str,
    body: str,
    source: str,
    now: datetime,
    author_customer: Customer | None = None,
    author_user: User | None = None,
) -> Feedback:
    if kind not in FeedbackKind.values:
        raise DomainError(gettext("Choose kudos or a complaint."), code="invalid_kind")
    if source not in FeedbackSource.values:
        raise DomainError(gettext("Unknown feedback source."), code="invalid_source")
    body = clean_body(str(body or ""), max_chars=MAX_BODY, field="feedback")
    if source == FeedbackSource.MANAGER:
        if author_user is None or not author_user.sees_all_cases:
            raise PermissionDenied(
                gettext("Only managers and admins leave feedback from the workspace.")
            )
        if not agent.is_agent_staff:
            raise DomainError(gettext("Feedback is about a member of staff."), code="invalid_agent")
    else:
        if author_customer is None or author_customer.pk != ticket.customer_id:
            raise PermissionDenied(
                gettext("Only the customer of this case can leave this feedback.")
            )
        if agent.pk not in {a.pk for a in agents_on_case(ticket)}:
            raise DomainError(
                gettext("Choose someone who worked on this case."), code="invalid_agent"
            )
    reviewer = reviewer_for(agent, ticket) if kind == FeedbackKind.COMPLAINT else None
    try:
        with transaction.atomic():
            row = Feedback.objects.create(
                ticket=ticket,
                agent=agent,
                kind=kind,
                source=source,
                body=body,
                author_customer=author_customer,
                author_user=author_user,
                created_at=now,
                outcome=ReviewOutcome.PENDING if kind == FeedbackKind.COMPLAINT else "",
                reviewer=reviewer,
            )
            audit.record(
                ticket,
                author_user,
                "feedback_left",
                now=now,
                field="feedback",
                new={
                    "kind": kind,
                    "agent": agent.display_name,
                    "source": source,
                    "reviewer": reviewer.display_name if reviewer else None,
                },
            )
    except IntegrityError:
        raise Conflict(
            f"You already left {'a complaint' if kind == 'complaint' else 'kudos'} about "
            f"{agent.display_name} on this case.",
            code="duplicate",
        ) from None
    enqueue_after_commit(tasks.send_feedback_notice, row.pk, "new")
    return row


def can_review(user: User, feedback: Feedback) -> bool:
    if not user.is_agent_staff or user.pk == feedback.agent_id:
        return False
    return feedback.reviewer_id == user.pk or user.sees_all_cases


def do_review_complaint(
    feedback: Feedback, *, reviewer: User, outcome: str, reason: str, now: datetime
) -> Feedback:
    if not feedback.is_complaint:
        raise DomainError(gettext("Only complaints are reviewed."), code="not_a_complaint")
    if outcome not in DECIDED_OUTCOMES:
        raise DomainError(
            gettext("Choose upheld, not upheld or refusal followed policy."), code="invalid_outcome"
        )
    reason = clean_body(str(reason or ""), max_chars=MAX_BODY, field="reason")
    if not can_review(reviewer, feedback):
        raise PermissionDenied(gettext("This complaint is for the agent's lead to review."))
    with transaction.atomic():
        updated = Feedback.objects.filter(pk=feedback.pk, outcome=ReviewOutcome.PENDING).update(
            outcome=outcome, review_reason=reason, reviewed_by=reviewer, reviewed_at=now
        )
        if updated != 1:
            raise Conflict("This complaint was already reviewed.", code="already_reviewed")
        feedback.refresh_from_db()
        audit.record(
            feedback.ticket,
            reviewer,
            "complaint_reviewed",
            now=now,
            field="feedback",
            old={"outcome": ReviewOutcome.PENDING},
            new={"outcome": outcome, "agent": feedback.agent.display_name},
            note=reason,
        )
    enqueue_after_commit(tasks.send_feedback_notice, feedback.pk, "reviewed")
    return feedback


# --- Satisfaction surveys (CSAT, docs/csat.md) --------------------------------------------

CSAT_SEND = "csat.send"  # the deadline kind of ``Survey.send_at``
MAX_COMMENT = 2000


def do_plan_survey(ticket: Ticket, *, now: datetime) -> Survey | None:
    """A case closed (confirmed, unconfirmed or closed by staff): plan its one survey,
    mailed ``CAREDESK_CSAT_DELAY_HOURS`` later by the ``csat.send`` deadline. Inside the
    case action's transaction; a case closed again keeps its first survey."""
    require_aware(now, "now")
    if Survey.objects.filter(ticket_id=ticket.pk).exists():
        return None
    due = csat.send_at(now, int(settings.CAREDESK_CSAT_DELAY_HOURS))
    with transaction.atomic():
        try:
            row = Survey.objects.create(
                ticket=ticket,
                customer_id=ticket.customer_id,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id or 0,
                created_at=now,
                send_at=due,
            )
        except IntegrityError:  # planned by a concurrent close
            return None
    deadlines.schedule(CSAT_SEND, [row.pk], due)
    return row


def do_skip_survey(ticket: Ticket, *, reason: str, now: datetime) -> bool:
    """Skip the case's waiting survey (an imported case: ``csat.IMPORTED``); audited.
    False when there is none waiting."""
    require_aware(now, "now")
    with transaction.atomic():
        row = (
            Survey.objects.select_for_update()
            .filter(ticket_id=ticket.pk, state=SurveyState.WAITING)
            .first()
        )
        if row is None:
            return False
        _skip(row, reason)
        audit.record(ticket, None, "csat_skipped", now=now, field="csat", new=reason)
    return True


def do_skip_imported_surveys(tickets: Sequence[Ticket], *, now: datetime) -> list[Survey]:
    """Closed cases brought in from another desk (``caredesk import``, ADR 0037): their one
    survey, recorded as skipped (``csat.IMPORTED``) in one INSERT, never planned or sent.
    Inside the import's transaction; the case's ``imported`` audit event is the record."""
    require_aware(now, "now")
    rows = [
        Survey(
            ticket=ticket,
            customer_id=ticket.customer_id,
            agent_id=ticket.assignee_id,
            team_id=ticket.team_id or 0,
            created_at=now,
            state=SurveyState.SKIPPED,
            skip_reason=csat.IMPORTED,
        )
        for ticket in tickets
    ]
    return Survey.objects.bulk_create(rows)


def _skip(row: Survey, reason: str) -> None:
    row.state, row.skip_reason, row.send_at = SurveyState.SKIPPED, reason, None
    row.save(update_fields=["state", "skip_reason", "send_at"])


def do_send_survey(survey_id: int, now: datetime) -> bool:
    """The ``csat.send`` deadline's fire action: mark the survey sent and, after commit,
    mail it through the outbox (``tasks.mail_survey``), or
    skip it (machine sender, a survey sent to this customer in the last
    ``CAREDESK_CSAT_THROTTLE_DAYS`` days, no address, the case open again). Idempotent:
    it re-reads the row and always clears the deadline it handled."""
    require_aware(now, "now")
    with transaction.atomic():
        row = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("ticket", "customer")
            .filter(pk=survey_id)
            .first()
        )
        if row is None or row.send_at is None or row.send_at > now:
            return False
        if row.state != SurveyState.WAITING:
            Survey.objects.filter(pk=row.pk).update(send_at=None)
            return False
        ticket, customer = row.ticket, row.customer
        last = (
            Survey.objects.filter(customer_id=customer.pk, state=SurveyState.SENT)
            .exclude(pk=row.pk)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        if ticket.status != Status.CLOSED:
            reason = csat.REOPENED
        elif ticket.from_machine:
            reason = csat.MACHINE
        elif not customer.primary_email:
            reason = csat.NO_ADDRESS
        elif csat.throttled(last, now, int(settings.CAREDESK_CSAT_THROTTLE_DAYS)):
            reason = csat.THROTTLED
        else:
            reason = ""
        if reason:
            _skip(row, reason)
            audit.record(ticket, None, "csat_skipped", now=now, field="csat", new=reason)
            return True
        row.state, row.sent_at, row.send_at = SurveyState.SENT, now, None
        row.save(update_fields=["state", "sent_at", "send_at"])
        audit.record(ticket, None, "csat_sent", now=now, field="csat", new=SurveyState.SENT)
    enqueue_after_commit(tasks.mail_survey, row.pk)
    return True


def survey_open(row: Survey, now: datetime) -> bool:
    """Can the customer still rate (or change the rating of) this survey?"""
    return row.state == SurveyState.SENT and csat.may_change(
        row.first_rated_at, now, int(settings.CAREDESK_CSAT_CHANGE_DAYS)
    )


def do_rate(
    survey_id: int,
    *,
    customer: Customer,
    rating: str,
    now: datetime,
    comment: str = "",
    actor: User | None = None,
) -> Survey:
    """The customer rates their case good, neutral or bad, with an optional comment
    (from a signed mail link or the portal). Changeable for ``CAREDESK_CSAT_CHANGE_DAYS``
    after the first answer; refused with :class:`Conflict` after that (nothing changes).
    A bad rating with a comment goes to the leads' review as a complaint (P9): it counts
    against the agent only when a lead upholds it."""
    require_aware(now, "now")
    if rating not in Rating.values:
        raise DomainError(gettext("Choose good, neutral or bad."), code="invalid_rating")
    text = str(comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise DomainError(
            gettext("Your comment is too long (%(size)s characters; the limit is %(limit)s).")
            % {"size": f"{len(text):,}", "limit": f"{MAX_COMMENT:,}"},
            code="too_long",
        )
    try:
        text = clean_body(text, max_chars=MAX_COMMENT, field="comment") if text else ""
    except DomainError as exc:
        if exc.code != "empty":
            raise
        text = ""  # only control characters: no comment
    with transaction.atomic():
        row = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("ticket", "agent")
            .filter(pk=survey_id)
            .first()
        )
        if row is None or row.customer_id != customer.pk:
            raise NotFound(gettext("No such survey."))
        if not survey_open(row, now):
            raise Conflict(
                "This survey can no longer be changed. Thank you for your answer.",
                code="survey_closed",
            )
        old = {"rating": row.rating, "comment": bool(row.comment)} if row.rating else None
        row.rating = rating
        if text or not row.comment:
            row.comment = text
        row.first_rated_at = row.first_rated_at or now
        row.rated_at = now
        row.save(update_fields=["rating", "comment", "first_rated_at", "rated_at"])
        audit.record(
            row.ticket,
            actor or customer.user,
            "csat_rated",
            now=now,
            field="csat",
            old=old,
            new={"rating": rating, "comment": bool(row.comment)},
            public=True,
        )
        if rating == Rating.BAD and row.comment and row.complaint_id is None:
            _to_review(row, customer, now)
    return row


def _to_review(row: Survey, customer: Customer, now: datetime) -> None:
    """The bad rating's comment becomes a complaint waiting for the lead's review."""
    agent = row.agent
    if agent is None or not agent.is_active:
        return
    try:
        complaint = do_leave_feedback(
            row.ticket,
            agent=agent,
            kind=FeedbackKind.COMPLAINT,
            body=f"Rated the case bad: {row.comment}",
            source=FeedbackSource.SURVEY,
            author_customer=customer,
            now=now,
        )
    except (Conflict, DomainError):  # already complained about this agent on this case
        return
    row.complaint = complaint
    row.save(update_fields=["complaint"])
