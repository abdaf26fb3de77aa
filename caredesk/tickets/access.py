"""Who may see which case. Every page, API endpoint, search and download asks here first.

A case the user may not see is reported as not found (404), never as forbidden, so its
existence is not revealed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caredesk.accounts.models import Membership, User
from caredesk.core.errors import NotFound
from caredesk.tickets.models import Attachment, Ticket


def sees_every_case(user: User) -> bool:
    """True when :func:`visible_tickets` does not narrow the cases at all (lets search skip
    a join that would filter nothing)."""
    return bool(
        user.is_authenticated and user.is_active and not user.is_customer and user.sees_all_cases
    )


def visible_tickets(user: User) -> QuerySet[Ticket]:
    qs = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_customer:
        customer = getattr(user, "customer", None)
        if customer is None:
            return qs.none()
        condition = Q(customer_id=customer.pk)
        if customer.organization_id and customer.organization.shared_cases:
            condition |= Q(organization_id=customer.organization_id)
        return qs.filter(condition)
    if sees_every_case(user):
        return qs
    my_teams = Membership.objects.filter(user_id=user.pk).values("team_id")
    return qs.filter(Q(team__isnull=True) | Q(team_id__in=my_teams) | Q(assignee_id=user.pk))


def access_ticket(user: User, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The only way to fetch a case for a user. Raises NotFound if it is not theirs to see."""
    qs = visible_tickets(user).select_related(
        "customer", "organization", "team", "assignee", "customer__organization"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such case.") from None


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """An attachment is visible when its case is, and (for customers) its message is public."""
    try:
        attachment = Attachment.objects.select_related("message").get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such attachment.") from None
    ticket = access_ticket(user, attachment.message.ticket_id)
    if user.is_customer and not attachment.message.is_public:
        raise NotFound("No such attachment.")
    attachment.message.ticket = ticket
    return attachment


def can_work_cases(user: User) -> bool:
    return bool(user.is_authenticated and user.is_agent_staff)
