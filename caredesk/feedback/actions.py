"""Leaving feedback about an agent and reviewing complaints. Audited; mail after commit."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.text import clean_body
from caredesk.customers.models import Customer
from caredesk.feedback import tasks
from caredesk.feedback.models import (
    DECIDED_OUTCOMES,
    Feedback,
    FeedbackKind,
    FeedbackSource,
    ReviewOutcome,
)
from caredesk.tickets import audit
from caredesk.tickets.models import Message, MessageKind, Ticket

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
        raise DomainError("Choose kudos or a complaint.", code="invalid_kind")
    if source not in FeedbackSource.values:
        raise DomainError("Unknown feedback source.", code="invalid_source")
    body = clean_body(str(body or ""), max_chars=MAX_BODY, field="feedback")
    if source == FeedbackSource.MANAGER:
        if author_user is None or not author_user.sees_all_cases:
            raise PermissionDenied("Only managers and admins leave feedback from the workspace.")
        if not agent.is_agent_staff:
            raise DomainError("Feedback is about a member of staff.", code="invalid_agent")
    else:
        if author_customer is None or author_customer.pk != ticket.customer_id:
            raise PermissionDenied("Only the customer of this case can leave this feedback.")
        if agent.pk not in {a.pk for a in agents_on_case(ticket)}:
            raise DomainError("Choose someone who worked on this case.", code="invalid_agent")
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
        raise DomainError("Only complaints are reviewed.", code="not_a_complaint")
    if outcome not in DECIDED_OUTCOMES:
        raise DomainError(
            "Choose upheld, not upheld or refusal followed policy.", code="invalid_outcome"
        )
    reason = clean_body(str(reason or ""), max_chars=MAX_BODY, field="reason")
    if not can_review(reviewer, feedback):
        raise PermissionDenied("This complaint is for the agent's lead to review.")
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
