"""Words caredesk says on behalf of the desk: standard notices and outcome messages."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from caredesk.escalations.models import ApprovalRequest, ApprovalStatus

END_OF_CONVERSATION_NOTICE = (
    "We want to help you, and we will keep working on your case. However, the language in "
    "your recent messages is abusive towards our staff, and we do not accept that. This "
    "conversation has been ended and your case has been passed to a team lead, who will "
    "review it and contact you. Please keep further messages respectful."
)

LEVEL_WORDS = {
    "agent": "an agent",
    "lead": "a team lead",
    "manager": "a manager",
    "admin": "a senior manager",
}


def when(value: datetime) -> str:
    local = timezone.localtime(value)
    return local.strftime("%a %d %b %Y, %H:%M ") + (local.tzname() or "")


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}"


def escalation_note(level: str, due_at: datetime | None) -> str:
    who = LEVEL_WORDS.get(level, "a supervisor")
    if due_at is None:
        return f"Your case was passed to {who}."
    return f"Your case was passed to {who}, who will respond by {when(due_at)}."


def outcome_text(approval: ApprovalRequest) -> str:
    """The reply the customer gets when the agent tells them the decision."""
    name = approval.action_type.name.lower()
    customer = approval.ticket.customer.name
    greeting = f"Hello {customer},\n\n"
    if approval.status == ApprovalStatus.APPROVED:
        amount = money(approval.amount, approval.currency)
        what = f"a {name} of {amount}" if amount else f"the {name} you asked about"
        body = f"Good news: we have approved {what} for you."
    elif approval.status == ApprovalStatus.APPROVED_CHANGED:
        amount = money(approval.decided_amount, approval.currency)
        body = f"We have reviewed your case and approved a {name} of {amount} for you."
    else:
        body = (
            f"We have reviewed your request carefully, and we are sorry that we cannot offer "
            f"a {name} in this case."
        )
    return greeting + body + "\n\nIf you have any questions, just reply to this message."
