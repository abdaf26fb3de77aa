"""Words caredesk says on behalf of the desk: standard notices and outcome messages.

What a customer reads (the end-of-conversation notice, the escalation note on their
case, the outcome reply) is written in the *customer's* language, whoever triggers it;
``when`` and ``money`` follow the active language (the reader's)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, pgettext

from caredesk.accounts.models import Role
from caredesk.core import languages
from caredesk.core.templatetags.times import moment_text
from caredesk.escalations.models import ActionType, ApprovalRequest, ApprovalStatus
from caredesk.tickets.models import Ticket

# The English text (a msgid); ``end_of_conversation_notice`` gives it in the customer's
# language.
END_OF_CONVERSATION_NOTICE = gettext_noop(
    "We want to help you, and we will keep working on your case. However, the language in "
    "your recent messages is abusive towards our staff, and we do not accept that. This "
    "conversation has been ended and your case has been passed to a team lead, who will "
    "review it and contact you. Please keep further messages respectful."
)


def _customer_language(ticket: Ticket) -> str:
    return languages.for_context({"ticket": ticket})


def end_of_conversation_notice(ticket: Ticket) -> str:
    with translation.override(_customer_language(ticket)):
        return gettext(END_OF_CONVERSATION_NOTICE)


def _english() -> bool:
    return (translation.get_language() or "en").split("-")[0] == "en"


def type_name(action_type: ActionType) -> str:
    """An action type's name inside a sentence: lower case in English ("a refund"), as
    the admin wrote it in the other languages (German nouns keep their capital)."""
    return action_type.name.lower() if _english() else action_type.name


def role_name(role: str) -> str:
    """A role inside a sentence ("as team lead"): lower case, except in German, where
    nouns keep their capital ("als Teamleitung")."""
    label = str(Role(role).label)
    return label if (translation.get_language() or "").startswith("de") else label.lower()


def when(value: datetime) -> str:
    """A moment with its zone: English keeps "Mon 23 Nov 2026, 14:05 UTC"; other languages
    use the desk's ``times`` form ("23. November 2026 14:05 UTC")."""
    local = timezone.localtime(value)
    zone = local.tzname() or ""
    if _english():
        return local.strftime("%a %d %b %Y, %H:%M ") + zone
    return f"{moment_text(local)} {zone}".strip()


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}"


def _level_words(level: str) -> str:
    words = {
        "agent": pgettext("passed to", "an agent"),
        "lead": pgettext("passed to", "a team lead"),
        "manager": pgettext("passed to", "a manager"),
        "admin": pgettext("passed to", "a senior manager"),
    }
    return words.get(level) or pgettext("passed to", "a supervisor")


def escalation_note(level: str, due_at: datetime | None, *, ticket: Ticket) -> str:
    """The public note on the customer's case, in the customer's language."""
    with translation.override(_customer_language(ticket)):
        who = _level_words(level)
        if due_at is None:
            return gettext("Your case was passed to %(who)s.") % {"who": who}
        return gettext("Your case was passed to %(who)s, who will respond by %(due)s.") % {
            "who": who,
            "due": when(due_at),
        }


def outcome_text(approval: ApprovalRequest) -> str:
    """The reply the customer gets when the agent tells them the decision, in the
    customer's language (the action type's name stays as the admin wrote it)."""
    with translation.override(_customer_language(approval.ticket)):
        return _outcome_text(approval)


def _outcome_text(approval: ApprovalRequest) -> str:
    name = type_name(approval.action_type)
    greeting = gettext("Hello %(customer)s,") % {"customer": approval.ticket.customer.name}
    if approval.status == ApprovalStatus.APPROVED:
        amount = money(approval.amount, approval.currency)
        if amount:
            body = gettext("Good news: we have approved a %(name)s of %(amount)s for you.") % {
                "name": name,
                "amount": amount,
            }
        else:
            body = gettext("Good news: we have approved the %(name)s you asked about.") % {
                "name": name
            }
    elif approval.status == ApprovalStatus.APPROVED_CHANGED:
        body = gettext(
            "We have reviewed your case and approved a %(name)s of %(amount)s for you."
        ) % {"name": name, "amount": money(approval.decided_amount, approval.currency)}
    else:
        body = gettext(
            "We have reviewed your request carefully, and we are sorry that we cannot offer "
            "a %(name)s in this case."
        ) % {"name": name}
    closing = gettext("If you have any questions, just reply to this message.")
    return f"{greeting}\n\n{body}\n\n{closing}"
