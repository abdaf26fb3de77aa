"""Promise display: ``{% load promise_tags %}``.

* ``{% promise_panel ticket user now %}`` — the case page panel (promises, forms, calls);
* ``{% promise_badge ticket now %}`` — the inbox highlight of a case's nearest promise;
* ``{% portal_promises ticket %}`` — the customer's view of the case's visible promises.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.promises import engine, selectors
from caredesk.promises.actions import may_manage
from caredesk.promises.forms import (
    CallbackRequestForm,
    PromiseForm,
)
from caredesk.promises.models import State
from caredesk.promises.report import lateness as promise_lateness
from caredesk.promises.wording import desk_zone, duration_words, when_words
from caredesk.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def promise_badge(ticket: object, now: datetime | None = None) -> SafeString | str:
    """Reads ``next_promise_due_at`` from a ``Ticket`` or an inbox row (``CaseRow``)."""
    due = getattr(ticket, "next_promise_due_at", None)
    if due is None:
        return ""
    now = now or clock.now()
    if due <= now:
        state = "breached"
        label = gettext("Promise overdue %(time)s") % {
            "time": duration_words((now - due).total_seconds())
        }
    elif due - now <= engine.reminder_lead():
        state = "warn"
        label = gettext("Promise due in %(time)s") % {
            "time": duration_words((due - now).total_seconds())
        }
    else:
        state = "ok"
        label = gettext("Promise due in %(time)s") % {
            "time": duration_words((due - now).total_seconds())
        }
    # What format_html would build, without its per-argument lazy-string checks: the
    # inbox draws one of these per row.
    return mark_safe(  # noqa: S308 — every value is escaped
        f'<span class="sla-badge sla-{escape(state)} promise-badge"'
        f' title="{escape(gettext("Nearest promise:"))} {escape(due.isoformat())}">'
        f"{escape(label)}</span>"
    )


@register.inclusion_tag("promises/_panel_body.html")
def promise_panel(ticket: Ticket, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    zone = desk_zone(ticket.team)
    staff = selectors.staff_choices()
    rows = [
        {
            "p": p,
            "due_words": when_words(p.due_at, zone),
            "overdue": p.is_pending and p.due_at <= now,
            "can_manage": p.is_pending and may_manage(user, p),
        }
        for p in selectors.case_promises(ticket)
    ]
    return {
        "ticket": ticket,
        "rows": rows,
        "staff": staff,
        "form": PromiseForm(initial={"customer_visible": True}, staff=staff),
        "zone": zone.key,
        "now": now,
    }


@register.inclusion_tag("promises/_portal_body.html", takes_context=True)
def portal_promises(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    zone = desk_zone(ticket.team)
    promises = selectors.portal_promises(ticket)
    rows = [{"p": p, "due_words": when_words(p.due_at, zone)} for p in promises]
    return {
        "ticket": ticket,
        "rows": rows,
        "zone": zone.key,
        "callback_form": CallbackRequestForm(),
        "can_request": ticket.status != "closed"
        and not any(
            p.requested_by_customer and p.state in (State.OPEN, State.MISSED) for p in promises
        ),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def state_text(promise: Any) -> str:
    """The status as the customer reads it."""
    return {
        State.OPEN: gettext("Open"),
        State.KEPT: gettext("Done"),
        State.KEPT_LATE: gettext("Done, late"),
        State.MISSED: gettext("Overdue — we are on it"),
        State.CANCELLED: gettext("Withdrawn"),
    }.get(promise.state, str(promise.get_state_display()))


@register.simple_tag
def promise_zone(ticket: Ticket) -> str:
    """The time zone promise times on this case are typed and told in."""
    return desk_zone(ticket.team).key


@register.filter
def lateness(seconds: float | None) -> str:
    return duration_words(seconds or 0)


@register.filter
def late_by(promise: Any) -> str:
    return duration_words(promise_lateness(promise, clock.now()))
