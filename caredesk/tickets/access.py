"""Who may see which case. Every page, API endpoint, search and download asks here first.

A case the user may not see is reported as not found (404), never as forbidden, so its
existence is not revealed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caredesk.accounts.models import Membership, User
from caredesk.core.errors import NotFound
from caredesk.tickets.models import PUBLIC_KINDS, Attachment, Message, Status, Ticket


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


def customer_messages(ticket: Ticket) -> QuerySet[Message]:
    """The messages the customer side (portal, customer tokens) sees on a case.

    Public messages only. A message a merge brought from another customer's case stays
    hidden from this case's customer; a merged case (a pointer) shows the public messages
    that were written on it, wherever they now are (ADR 0025)."""
    public = Message.objects.filter(kind__in=PUBLIC_KINDS)
    if ticket.status == Status.MERGED:
        return public.filter(origin_ticket_id=ticket.pk)
    return public.filter(ticket_id=ticket.pk).filter(
        Q(origin_ticket__isnull=True) | Q(origin_ticket__customer_id=ticket.customer_id)
    )


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """An attachment is visible when its case is, and (for customers) when its message is
    one :func:`customer_messages` shows on a case they see (the message's case, or the
    merged case it came from)."""
    try:
        attachment = Attachment.objects.select_related("message").get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such attachment.") from None
    message = attachment.message
    if not user.is_customer:
        attachment.message.ticket = access_ticket(user, message.ticket_id)
        return attachment
    cases = [message.ticket_id] + ([message.origin_ticket_id] if message.origin_ticket_id else [])
    for ticket in visible_tickets(user).filter(pk__in=cases).order_by("pk"):
        if customer_messages(ticket).filter(pk=message.pk).exists():
            if ticket.pk == message.ticket_id:
                attachment.message.ticket = ticket
            return attachment
    raise NotFound("No such attachment.")


def can_work_cases(user: User) -> bool:
    return bool(user.is_authenticated and user.is_agent_staff)
