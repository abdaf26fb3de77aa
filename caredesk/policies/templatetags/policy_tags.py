"""The case page's records, policies and eligibility panel: ``{% load policy_tags %}``.

``{% policy_case_panel ticket %}`` shows the customer's records (linked ones first, a
form to link one), the policies relevant to the case with "Told 2 times: …" and the
exact version texts, a button that inserts a policy into the reply box, and, for each
kind of request that has rules, whether the linked record is eligible and why not.
"""

from __future__ import annotations

from typing import Any

from django import template

from caredesk.core import clock
from caredesk.policies import selectors
from caredesk.records import selectors as record_selectors
from caredesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("policies/_panel_body.html", takes_context=True)
def policy_case_panel(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    now = context.get("now") or clock.now()
    links = record_selectors.case_links(ticket)
    linked = {link.record_id for link in links}
    records = [r for r in record_selectors.records_for_case(ticket) if r.pk not in linked]
    policies = list(selectors.policies_in_effect(now).order_by("title"))
    return {
        "ticket": ticket,
        "links": links,
        "records": records,
        "policies": selectors.case_policies(ticket, now=now, policies=policies, links=links),
        "all_policies": policies,
        "eligibility": selectors.case_eligibility(ticket, now=now) if links or records else [],
        "csrf_token": context.get("csrf_token"),
        "now": now,
    }
