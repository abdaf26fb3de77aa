"""THE LOCK (P4, "solve first, sell later"): the one gate every offer passes.

:func:`offers_unlocked` decides, for a customer at a time, whether any offer may be shown
or made — on the workspace case page, in the portal, through the API and in any mail.
Nobody bypasses it: it takes no user, so an admin's token is refused like an agent's.

Locked while

1. the customer has any unresolved case (new, open, waiting on us or on the customer);
2. the customer's latest case has a customer message whose sentiment is not scored yet
   (the mood is not known, so it cannot be known to be non-negative);
3. the current mood of the latest case is negative (``caredesk.enrichment``: the
   recency-weighted mean of its last customer messages);
4. the customer complained about the latest case (a complaint from the portal or the
   survey link, ``caredesk.feedback``), whatever the review decides;
5. the customer's latest satisfaction rating is bad (CSAT, ``caredesk.feedback``: the
   rating of the customer's latest rated case, changed or not), so a non-negative rating
   is needed once the customer has rated at all.

Unlocked otherwise: after resolution, with a neutral or positive mood (a customer with
no cases at all has nothing unsolved either).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext

from caredesk.core.clock import require_aware
from caredesk.customers.models import Customer
from caredesk.enrichment.models import CaseMood
from caredesk.enrichment.sentiment import NEGATIVE
from caredesk.feedback.models import Feedback, FeedbackKind, FeedbackSource, Rating, Survey
from caredesk.tickets.models import OPEN_STATUSES, Message, MessageKind, Ticket

OPEN_CASE = "open_case"
MOOD_UNKNOWN = "mood_unknown"
NEGATIVE_MOOD = "negative_mood"
COMPLAINED = "complained"
BAD_RATING = "bad_rating"


def lock_state(customer: Customer, now: datetime) -> tuple[bool, str, str]:
    """(unlocked, code, reason): the code is machine-readable ("" when unlocked)."""
    require_aware(now, "now")
    cases = Ticket.objects.filter(customer_id=customer.pk)
    unresolved = cases.filter(status__in=OPEN_STATUSES).order_by("-created_at", "-id").first()
    if unresolved is not None:
        return (
            False,
            OPEN_CASE,
            gettext(
                "%(reference)s is not resolved yet: offers unlock only after the "
                "customer's problem is solved."
            )
            % {"reference": unresolved.reference},
        )
    latest = cases.order_by("-created_at", "-id").first()
    if latest is None:
        return (
            True,
            "",
            gettext("No unresolved case and no unhappy customer: offers may be shown."),
        )
    unscored = Message.objects.filter(
        ticket_id=latest.pk, kind=MessageKind.CUSTOMER, sentiment__isnull=True
    ).exists()
    if unscored:
        return (
            False,
            MOOD_UNKNOWN,
            gettext(
                "The customer's last message on %(reference)s is not scored yet; offers "
                "wait until the mood is known."
            )
            % {"reference": latest.reference},
        )
    mood = CaseMood.objects.filter(ticket_id=latest.pk).values_list("label", flat=True).first()
    if mood == NEGATIVE:
        return (
            False,
            NEGATIVE_MOOD,
            gettext(
                "%(reference)s is resolved, but the customer's mood is negative: no offers "
                "to an unhappy customer."
            )
            % {"reference": latest.reference},
        )
    complained = Feedback.objects.filter(
        ticket_id=latest.pk,
        kind=FeedbackKind.COMPLAINT,
        source__in=(FeedbackSource.PORTAL, FeedbackSource.SURVEY),
    ).exists()
    if complained:
        return (
            False,
            COMPLAINED,
            gettext(
                "The customer complained about %(reference)s: no offers to an unhappy customer."
            )
            % {"reference": latest.reference},
        )
    rated = (
        Survey.objects.filter(customer_id=customer.pk)
        .exclude(rating="")
        .select_related("ticket")
        .order_by("-ticket__created_at", "-ticket_id")
        .first()
    )
    if rated is not None and rated.rating == Rating.BAD:
        return (
            False,
            BAD_RATING,
            gettext("The customer rated %(reference)s bad: no offers to an unhappy customer.")
            % {"reference": rated.ticket.reference},
        )
    return (
        True,
        "",
        (
            gettext(
                "%(reference)s is resolved and the customer's mood is positive: "
                "offers may be shown."
            )
            if mood == "positive"
            else gettext(
                "%(reference)s is resolved and the customer's mood is neutral: offers may be shown."
            )
        )
        % {"reference": latest.reference},
    )


def offers_unlocked(customer: Customer, now: datetime) -> tuple[bool, str]:
    """(unlocked, reason) — the only gate for showing or making an offer."""
    unlocked, _code, reason = lock_state(customer, now)
    return unlocked, reason
