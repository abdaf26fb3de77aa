"""Reminders, misses, escalations and the honest update: what is due on a promise at ``now``.

A planner: these functions read rows (the promise as loaded, the update template) and
write nothing. :func:`caredesk.promises.actions.do_fire_promise_alarm` does each step it
finds due, claimed with a conditional UPDATE (``… WHERE reminded = false``, ``… WHERE
state = 'open'``) inside a transaction that holds the case and promise rows, so a worker
restart, a retry, or both triggers at once (the task scheduled for ``alarm_at`` and the
minute deadline sweep, :mod:`caredesk.core.deadlines`) can never remind, escalate or write to
the customer twice.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from caredesk.core import languages
from caredesk.promises import engine
from caredesk.promises.models import Promise, PromiseTemplate, State
from caredesk.promises.wording import desk_zone, duration_words, when_words

SWEEP_BATCH = 500


def remind_due(promise: Promise, now: datetime) -> bool:
    """The owner is to be reminded: inside the lead time, not yet due, not yet reminded."""
    return (
        promise.state == State.OPEN
        and not promise.reminded
        and promise.remind_at is not None
        and promise.remind_at <= now
        and promise.due_at > now
    )


def miss_due(promise: Promise, now: datetime) -> bool:
    """The promise is past its due time and still open: it is missed now."""
    return promise.state == State.OPEN and promise.due_at <= now


def escalation_due(promise: Promise) -> bool:
    """A missed promise goes to the owner's lead, once."""
    return promise.state == State.MISSED and not promise.escalated


def update_due(promise: Promise, now: datetime) -> bool:
    """The customer gets the honest update once the lead's grace period has passed."""
    return (
        promise.state == State.MISSED
        and promise.customer_visible
        and not promise.customer_updated
        and promise.missed_at is not None
        and promise.missed_at + engine.grace_period() <= now
    )


def render_update(promise: Promise, lead_name: str) -> str:
    """The honest update, from the admin's template if there is one, else the built-in;
    in the customer's language (docs/languages.md)."""
    with translation.override(languages.for_context({"ticket": promise.ticket})):
        return _render_update(promise, lead_name)


def _render_update(promise: Promise, lead_name: str) -> str:
    zone = desk_zone(promise.team)
    due = promise.missed_due_at or promise.due_at
    context = {
        "promise_text": promise.text,
        "due_words": when_words(due, zone),
        "customer_name": promise.ticket.customer.name,
        "owner_name": promise.owner.display_name if promise.owner else "",
        "lead_name": lead_name,
        "reference": promise.ticket.reference,
        "next_step": (
            gettext(
                "%(lead_name)s, who leads the team, now has your case in hand and will contact "
                "you as soon as possible."
            )
            % {"lead_name": lead_name}
            if lead_name
            else gettext(
                "Your case is now with the team lead, who will contact you as soon as possible."
            )
        ),
    }
    custom = PromiseTemplate.objects.filter(name=PromiseTemplate.Name.MISSED_UPDATE).first()
    if custom is not None and custom.text.strip():
        source = "{% autoescape off %}" + custom.text + "{% endautoescape %}"
        text = Template(source).render(Context(context))
    else:
        text = render_to_string("promises/mail/missed_update.txt", context)
    return text.strip()[:20_000] or gettext(
        "We have not yet done what we promised you. We are on it."
    )


def render_kept_late(promise: Promise, now: datetime) -> str:
    """The notice that a promise was kept, but late: from the admin's "kept late"
    template if there is one, else the built-in (``promises/mail/kept_late.txt``); in the
    customer's language."""
    with translation.override(languages.for_context({"ticket": promise.ticket})):
        return _render_kept_late(promise, now)


def _render_kept_late(promise: Promise, now: datetime) -> str:
    zone = desk_zone(promise.team)
    due = promise.missed_due_at or promise.due_at
    context = {
        "promise_text": promise.text,
        "due_words": when_words(due, zone),
        "kept_words": when_words(promise.kept_at or now, zone),
        "late_words": duration_words(((promise.kept_at or now) - due).total_seconds()),
        "customer_name": promise.ticket.customer.name,
        "owner_name": promise.owner.display_name if promise.owner else "",
        "lead_name": promise.escalated_to.display_name if promise.escalated_to else "",
        "reference": promise.ticket.reference,
        "next_step": "",
    }
    custom = PromiseTemplate.objects.filter(name=PromiseTemplate.Name.KEPT_LATE).first()
    if custom is not None and custom.text.strip():
        source = "{% autoescape off %}" + custom.text + "{% endautoescape %}"
        text = Template(source).render(Context(context))
    else:
        text = render_to_string("promises/mail/kept_late.txt", context)
    return text.strip()[:20_000] or gettext(
        "We kept our promise, but late: %(promise)s. Sorry."
    ) % {"promise": promise.text}


def kept_late_notice_due(promise: Promise) -> bool:
    """A customer-visible promise kept late whose customer has not been told of the
    delay yet (the honest update of a miss tells them; this is for the rest)."""
    return (
        bool(getattr(settings, "CAREDESK_PROMISE_KEPT_LATE_NOTICE", True))
        and promise.state == State.KEPT_LATE
        and promise.customer_visible
        and not promise.customer_updated
    )


def away_due_ids(now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Open promises of people marked away that fall due within the reminder lead time:
    they go to the owner's lead before they are missed."""
    horizon = now + engine.reminder_lead()
    return list(
        Promise.objects.filter(state=State.OPEN, due_at__lte=horizon, owner__is_away=True)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
