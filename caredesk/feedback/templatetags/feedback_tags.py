"""The feedback panel of the case page: the customer's survey link, and for managers the
way to leave kudos or a complaint about an agent.

``{% load feedback_tags %}{% feedback_case_panel %}`` (the agent workspace's case page).
"""

from __future__ import annotations

from typing import Any

from django import template

from caredesk.feedback.survey import survey_url
from caredesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("feedback/_case_panel.html", takes_context=True)
def feedback_case_panel(context: template.Context) -> dict[str, Any]:
    ticket: Ticket = context["ticket"]
    user = context["request"].user
    return {
        "ticket": ticket,
        "survey_url": survey_url(ticket),
        "can_leave_feedback": user.sees_all_cases,
    }
