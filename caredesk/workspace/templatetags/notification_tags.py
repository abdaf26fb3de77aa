"""``{% notification_badge %}``: the unread count in the staff top bar (htmx keeps it fresh)."""

from __future__ import annotations

from typing import Any

from django import template

from caredesk.core.notifications import unread_count

register = template.Library()


@register.inclusion_tag("workspace/_notification_badge.html", takes_context=True)
def notification_badge(context: dict[str, Any]) -> dict[str, Any]:
    user = context.get("user")
    pk = getattr(user, "pk", None)
    return {"unread_count": unread_count(pk) if pk is not None else 0}
