"""Ending an abusive conversation (P10): a standard notice, a lead's review, and the
case left out of the agent's numbers."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from caredesk.accounts.models import Membership, Role, User
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.escalations.actions.common import clean_reason
from caredesk.escalations.actions.escalate import do_escalate
from caredesk.escalations.models import EscalationSource, ProtectedConversation
from caredesk.escalations.texts import end_of_conversation_notice
from caredesk.sla.calendar import require_aware
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import Status, Ticket

DEFAULT_REASON = "The customer's messages were abusive."


def do_end_abusive_conversation(
    ticket: Ticket, *, agent: User, reason: str, now: datetime
) -> ProtectedConversation:
    require_aware(now, "now")
    if not agent.is_agent_staff:
        raise PermissionDenied(gettext("Only staff can end a conversation."))
    reason = clean_reason(reason or DEFAULT_REASON)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=ticket.pk)
        )
        if not ticket.is_open:
            raise DomainError(gettext("This case is not open."), code="case_not_open")
        if ProtectedConversation.objects.filter(ticket=ticket).exists():
            raise Conflict(gettext("This conversation was already ended."), code="already_ended")
        ticket_actions.do_reply(
            ticket,
            agent=agent,
            body=end_of_conversation_notice(ticket),
            now=now,
            status_after=Status.WAITING_CUSTOMER,
        )
        protection = ProtectedConversation.objects.create(
            ticket=ticket, agent=agent, reason=reason, ended_at=now
        )
        audit.record(
            ticket,
            agent,
            "conversation_ended",
            now=now,
            field="protection",
            new={"agent": agent.display_name, "excluded_from_agent_metrics": True},
            note=reason,
        )
        result = do_escalate(
            ticket,
            actor=agent,
            source=EscalationSource.ABUSE_REVIEW,
            reason=f"Abusive conversation ended by {agent.display_name}: {reason}",
            now=now,
            level=Role.LEAD,
        )
        owner = result.escalation.owner
        ticket.refresh_from_db()
        if (
            owner is not None
            and owner.pk != agent.pk
            and ticket.team_id is not None
            and Membership.objects.filter(team_id=ticket.team_id, user=owner).exists()
        ):
            ticket_actions.do_assign(
                ticket,
                actor=agent,
                assignee=owner,
                team=ticket.team,
                now=now,
                handoff_note="Abusive conversation ended; please review.",
            )
    return protection
