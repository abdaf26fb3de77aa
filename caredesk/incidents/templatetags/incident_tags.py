"""``{% incident_banners customer %}``: the open incidents affecting a customer, as the
banner of every portal page."""

from __future__ import annotations

from typing import Any

from django import template

from caredesk.incidents import selectors

register = template.Library()


@register.inclusion_tag("incidents/_portal_banner.html")
def incident_banners(customer: Any) -> dict[str, object]:
    pk = getattr(customer, "pk", None)
    return {"banners": selectors.banners_for(pk) if pk else []}
