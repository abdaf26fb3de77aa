from __future__ import annotations

from django import template

from caredesk.resolutions import selectors
from caredesk.resolutions.models import Resolution
from caredesk.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def resolution_history(ticket: Ticket) -> list[Resolution]:
    """The case's resolutions, newest first (one query)."""
    return selectors.history(ticket)
