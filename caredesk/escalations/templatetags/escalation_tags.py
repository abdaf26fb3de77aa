"""Escalation and abuse display for templates: ``{% load escalation_tags %}``.

* ``{% escalation_case_panel %}`` — the case page panels (escalation, goodwill and
  approvals, ending an abusive conversation); needs ``ticket`` and ``request`` in context;
* ``{% escalation_portal_panel %}`` — the portal case page: escalation state and the
  request-a-supervisor action;
* ``{% abuse_flags ticket as flags %}`` and ``flags|flag_for:m.pk`` — flagged messages.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template

from caredesk.core import clock
from caredesk.enrichment.models import MessageAbuse
from caredesk.enrichment.selectors import attention_for, flags_for_ticket
from caredesk.escalations import selectors, texts
from caredesk.escalations.forms import (
    EndConversationForm,
    EscalateForm,
    GoodwillForm,
    SupervisorForm,
)
from caredesk.tickets.models import Ticket

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    return texts.when(value) if value else ""


@register.filter
def money(value: Decimal | None, currency: str = "") -> str:
    return texts.money(value, currency)


@register.filter
def quote_words(value: str) -> str:
    return "\n".join("> " + line for line in str(value).splitlines())


@register.inclusion_tag("escalations/_case_panel.html", takes_context=True)
def escalation_case_panel(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    ticket: Ticket = context["ticket"]
    now = context.get("now") or clock.now()
    user = request.user
    panel = selectors.case_panel(ticket, user, now)
    types = [line.action_type for line in panel.limits]
    return {
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "user": user,
        "now": now,
        "panel": panel,
        "escalate_form": EscalateForm(),
        "goodwill_form": GoodwillForm(types=types),
        "end_form": EndConversationForm(),
        "types": types,
        "attention": attention_for(ticket),
    }


@register.inclusion_tag("escalations/_portal_panel.html", takes_context=True)
def escalation_portal_panel(context: template.Context) -> dict[str, Any]:
    ticket: Ticket = context["ticket"]
    return {
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "escalation": selectors.customer_escalation(ticket),
        "decisions": selectors.customer_decisions(ticket),
        "form": SupervisorForm(),
        "is_mine": context.get("is_mine", True),
    }


@register.simple_tag
def abuse_flags(ticket: Ticket) -> dict[int, MessageAbuse]:
    return flags_for_ticket(ticket)


@register.filter
def flag_for(flags: dict[int, MessageAbuse] | None, message_id: int) -> MessageAbuse | None:
    if not flags:
        return None
    return flags.get(message_id)
