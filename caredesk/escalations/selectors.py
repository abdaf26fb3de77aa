"""Reads the escalation pages share. Cases are reached only through ``visible_tickets``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.escalations import routing
from caredesk.escalations.actions import can_answer, can_decide
from caredesk.escalations.models import (
    ActionType,
    ApprovalRequest,
    ApprovalStatus,
    AuthorityLimit,
    Delegation,
    Escalation,
    EscalationStatus,
    GoodwillAction,
    ProtectedConversation,
)
from caredesk.escalations.texts import money
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import Ticket

INBOX_LIMIT = 100
REPORT_PAGE = 50


def is_approver(user: User) -> bool:
    return user.is_agent_staff and ROLE_LEVEL[Role(user.role)] >= ROLE_LEVEL[Role.LEAD]


@dataclass(frozen=True)
class LimitLine:
    action_type: ActionType
    text: str


def limit_text(row: AuthorityLimit | None, currency: str) -> str:
    if row is None or not row.allowed:
        return gettext("needs approval")
    if row.max_amount is None or not row.action_type.has_amount:
        return gettext("allowed")
    return gettext("up to %(amount)s") % {"amount": money(row.max_amount, currency)}


def my_limits(user: User) -> list[LimitLine]:
    """Every active action type with this user's limit, in one query."""
    currency = routing.currency()
    types = (
        ActionType.objects.filter(is_active=True)
        .annotate(mine=FilteredRelation("limits", condition=Q(limits__role=user.role)))
        .annotate(my_allowed=F("mine__allowed"), my_max=F("mine__max_amount"))
        .order_by("name")
    )
    lines = []
    for t in types:
        row = None
        if t.my_allowed is not None:
            row = AuthorityLimit(
                action_type=t,
                role=user.role,
                allowed=t.my_allowed,
                max_amount=t.my_max,
            )
        lines.append(LimitLine(t, limit_text(row, currency)))
    return lines


@dataclass
class CasePanel:
    open_escalation: Escalation | None
    past_escalations: list[Escalation]
    approvals: list[ApprovalRequest]
    applied: list[GoodwillAction]
    limits: list[LimitLine]
    protection: ProtectedConversation | None
    can_answer: bool = False
    decidable: set[int] = field(default_factory=set)


def case_panel(ticket: Ticket, user: User, now: datetime) -> CasePanel:
    escalations = list(
        Escalation.objects.filter(ticket=ticket)
        .select_related("owner", "on_behalf_of", "raised_by", "resolved_by", "parent__ticket")
        .order_by("-created_at", "-id")[:6]
    )
    open_one = next((e for e in escalations if e.is_open), None)
    approvals = list(
        ApprovalRequest.objects.filter(ticket=ticket)
        .select_related("action_type", "requested_by", "approver", "on_behalf_of", "decided_by")
        .order_by("-created_at", "-id")[:20]
    )
    applied = list(
        GoodwillAction.objects.filter(ticket=ticket)
        .select_related("action_type", "applied_by")
        .order_by("-created_at", "-id")[:20]
    )
    protection = (
        ProtectedConversation.objects.select_related("agent", "reviewed_by")
        .filter(ticket=ticket)
        .first()
    )
    return CasePanel(
        open_escalation=open_one,
        past_escalations=[e for e in escalations if not e.is_open],
        approvals=approvals,
        applied=applied,
        limits=my_limits(user),
        protection=protection,
        can_answer=bool(open_one and can_answer(user, open_one, now)),
        decidable={a.pk for a in approvals if can_decide(user, a, now)},
    )


def _visible(qs: QuerySet[Any], user: User) -> QuerySet[Any]:
    return qs.filter(ticket__in=visible_tickets(user).values("pk"))


def approvals_waiting_for(user: User, now: datetime) -> list[ApprovalRequest]:
    """Pending requests this person decides: their own, and those of people they stand in for."""
    people = [user.pk, *routing.delegators_for(user, now)]
    return list(
        ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING, approver_id__in=people)
        .select_related(
            "ticket__customer", "action_type", "requested_by", "approver", "on_behalf_of"
        )
        .order_by("due_at", "id")[:INBOX_LIMIT]
    )


def escalations_owned_by(user: User, now: datetime) -> list[Escalation]:
    """One row per item to answer: a group of one agent's breaches and misses is one
    escalation (``member_count`` more cases ride on it)."""
    people = [user.pk, *routing.delegators_for(user, now)]
    return list(
        Escalation.objects.filter(
            status=EscalationStatus.OPEN, owner_id__in=people, parent__isnull=True
        )
        .annotate(member_count=Count("members", filter=Q(members__status=EscalationStatus.OPEN)))
        .select_related("ticket__customer", "owner", "raised_by", "on_behalf_of")
        .order_by("due_at", "id")[:INBOX_LIMIT]
    )


def group_members(escalation: Escalation, user: User) -> list[Escalation]:
    """The other cases answered with this escalation (those the user may see)."""
    return list(
        _visible(Escalation.objects.filter(parent=escalation), user)
        .select_related("ticket__customer")
        .order_by("created_at", "id")[:200]
    )


def my_requests(user: User) -> list[ApprovalRequest]:
    return list(
        ApprovalRequest.objects.filter(requested_by=user)
        .select_related("ticket", "action_type", "approver", "decided_by")
        .order_by("-created_at", "-id")[:20]
    )


def desk_overview(user: User) -> tuple[list[ApprovalRequest], list[Escalation]]:
    """For managers and admins: everything pending in the cases they can see."""
    if not user.sees_all_cases:
        return [], []
    approvals = list(
        _visible(ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING), user)
        .select_related("ticket", "action_type", "approver", "requested_by")
        .order_by("due_at", "id")[:INBOX_LIMIT]
    )
    escalations = list(
        _visible(Escalation.objects.filter(status=EscalationStatus.OPEN, parent__isnull=True), user)
        .select_related("ticket", "owner")
        .order_by("due_at", "id")[:INBOX_LIMIT]
    )
    return approvals, escalations


def find_approval(user: User, pk: int) -> ApprovalRequest | None:
    return (
        _visible(ApprovalRequest.objects.filter(pk=pk), user)
        .select_related(
            "ticket__customer",
            "ticket__organization",
            "action_type",
            "requested_by",
            "approver",
            "on_behalf_of",
            "decided_by",
        )
        .first()
    )


def find_escalation(user: User, pk: int) -> Escalation | None:
    return (
        _visible(Escalation.objects.filter(pk=pk), user)
        .select_related(
            "ticket__customer",
            "ticket__organization",
            "owner",
            "raised_by",
            "on_behalf_of",
            "resolved_by",
            "parent__ticket",
        )
        .first()
    )


def delegations_of(user: User) -> list[Delegation]:
    return list(
        Delegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate")
        .order_by("-starts_at", "-id")[:50]
    )


def delegate_choices(user: User) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, role__in=[Role.LEAD, Role.MANAGER, Role.ADMIN, Role.AGENT]
        )
        .exclude(pk=user.pk)
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class ReportRow:
    action_type: str
    is_vip: bool
    status: str
    count: int
    requested: Decimal | None


def approvals_report(
    user: User, *, vip_only: bool
) -> tuple[list[ReportRow], QuerySet[ApprovalRequest]]:
    qs = _visible(ApprovalRequest.objects.all(), user)
    if vip_only:
        qs = qs.filter(action_type__is_vip_exception=True)
    summary = (
        qs.values("action_type__name", "action_type__is_vip_exception", "status")
        .annotate(count=Count("id"), requested=Sum("amount"))
        .order_by("action_type__name", "status")
    )
    labels = dict(ApprovalStatus.choices)
    rows = [
        ReportRow(
            action_type=r["action_type__name"],
            is_vip=r["action_type__is_vip_exception"],
            status=labels.get(r["status"], r["status"]),
            count=r["count"],
            requested=r["requested"],
        )
        for r in summary
    ]
    listing = qs.select_related("ticket", "action_type", "requested_by", "decided_by").order_by(
        "-created_at", "-id"
    )
    return rows, listing


def protected_awaiting_review(user: User) -> list[ProtectedConversation]:
    if not is_approver(user):
        return []
    return list(
        _visible(ProtectedConversation.objects.filter(reviewed_at__isnull=True), user)
        .select_related("ticket", "agent")
        .order_by("-ended_at")[:50]
    )


def customer_escalation(ticket: Ticket) -> Escalation | None:
    """What the customer may see: the latest escalation of their case."""
    return Escalation.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()


def customer_decisions(ticket: Ticket) -> list[ApprovalRequest]:
    """Decisions the customer has been told about (never internal reasons)."""
    return list(
        ApprovalRequest.objects.filter(ticket=ticket, customer_told_at__isnull=False)
        .select_related("action_type")
        .order_by("-decided_at", "-id")[:10]
    )
