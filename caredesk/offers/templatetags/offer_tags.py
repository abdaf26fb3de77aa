"""The offer panels: the case page's (staff) and the portal home's (the customer).

``{% include "offers/_case_panel.html" %}`` and ``{% include "offers/_portal_offers.html" %}``.
Both read :func:`caredesk.offers.selectors.offers_for`, which passes the lock first.
"""

from __future__ import annotations

from typing import Any

from django import template

from caredesk.core import clock
from caredesk.customers.models import Customer
from caredesk.offers.selectors import history, offers_for
from caredesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("offers/_panel_body.html")
def offer_case_panel(ticket: Ticket) -> dict[str, Any]:
    now = clock.now()
    return {
        "ticket": ticket,
        "view": offers_for(ticket.customer, now),
        "history": history(ticket.customer),
    }


@register.inclusion_tag("offers/_portal_body.html", takes_context=True)
def portal_offers(context: template.Context, customer: Customer | None) -> dict[str, Any]:
    view = offers_for(customer, clock.now()) if customer is not None else None
    return {"view": view, "csrf_token": context.get("csrf_token")}
