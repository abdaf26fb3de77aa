"""The calls panel of the case page: the calls logged on the case, and the form to log one.

``{% load phone_tags %}{% phone_case_calls ticket %}`` (the agent workspace's case page).
"""

from __future__ import annotations

from typing import Any

from django import template

from caredesk.channels.phone.forms import CallForm
from caredesk.channels.phone.selectors import case_calls
from caredesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("phone/_case_calls.html")
def phone_case_calls(ticket: Ticket) -> dict[str, Any]:
    return {"ticket": ticket, "call_form": CallForm(), "calls": case_calls(ticket)}
