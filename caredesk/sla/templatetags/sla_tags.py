"""SLA display for templates: ``{% load sla_tags %}``.

* ``{% sla_badge ticket now %}`` — a small badge: time left, overdue, or paused;
* ``{% sla_details ticket now %}`` — the case page panel: each target, paused time.

``now`` is optional; views should pass the one they read from ``caredesk.core.clock``.
Styles: ``sla/sla.css`` (classes ``sla-badge sla-ok|sla-warn|sla-breached|sla-paused``).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from caredesk.core import clock
from caredesk.sla.display import SlaFacts, badge_for, minutes_text, short_duration
from caredesk.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def sla_badge(ticket: SlaFacts, now: datetime | None = None) -> SafeString | str:
    badge = badge_for(ticket, now or clock.now())
    if badge is None:
        return ""
    # What format_html would build, without its per-argument lazy-string checks: the
    # inbox draws fifty of these per page.
    return mark_safe(  # noqa: S308 — every value is escaped
        f'<span class="sla-badge sla-{escape(badge.state)}" title="{escape(badge.title)}">'
        f"{escape(badge.label)}</span>"
    )


@register.inclusion_tag("sla/details.html")
def sla_details(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    rows: list[dict[str, Any]] = []
    for label, due, met in (
        ("First response", ticket.first_response_due_at, ticket.first_response_at),
        ("Next response", ticket.next_response_due_at, None),
        ("Resolution", ticket.resolution_due_at, ticket.resolved_at),
    ):
        if met is not None:
            rows.append({"label": label, "text": "Met", "state": "ok", "due": None})
        elif due is not None:
            overdue = due <= now
            rows.append(
                {
                    "label": label,
                    "text": (
                        f"Overdue {short_duration(now - due)}"
                        if overdue
                        else f"{short_duration(due - now)} left"
                    ),
                    "state": "breached" if overdue else "ok",
                    "due": due,
                }
            )
    paused_total = ticket.sla_paused_minutes
    if ticket.sla_paused_at is not None:
        paused_total += int((now - ticket.sla_paused_at).total_seconds()) // 60
    return {
        "ticket": ticket,
        "rows": rows,
        "badge": badge_for(ticket, now),
        "has_policy": ticket.sla_policy_id is not None,
        "paused_total": minutes_text(paused_total) if paused_total else "",
        "paused_now": ticket.sla_paused_at is not None,
    }
