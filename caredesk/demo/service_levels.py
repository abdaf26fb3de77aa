"""The demo desk's service levels: a London business calendar, policies and tier rules.

Created before the cases, so every demo case gets stored deadlines the way a real desk's
cases would (the SLA engine runs inside the case actions). Set up by the demo admin
through the configuration actions an admin uses (admin pages, ``/api/v1/calendars``…), so
the demo's audit log shows them as a real desk's would.
"""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.customers.models import Tier
from caredesk.sla import config_actions
from caredesk.sla.config_actions import HoursSpec
from caredesk.sla.models import BoundClock, BusinessCalendar, SlaPolicy, TierRule
from caredesk.tickets.models import Priority

HOURS = 60
DAY = 10 * HOURS  # one business day of the calendar below


def ensure_service_levels(admin: User | None = None, now: datetime | None = None) -> None:
    """``admin`` sets them up (the demo's admin); without one, caredesk itself (the
    benchmarks' desks)."""
    now = now or clock.now()
    calendar = BusinessCalendar.objects.filter(name="London office hours").first()
    if calendar is None:
        calendar = config_actions.do_create_calendar(
            actor=admin,
            now=now,
            name="London office hours",
            time_zone="Europe/London",
            holiday_country="GB",
            holiday_subdivision="ENG",
            description="Monday to Friday, 08:00-18:00, closed on English bank holidays.",
            hours=[HoursSpec(day, "08:00", "18:00") for day in range(5)],
        )
    policies: list[tuple[str, int, dict[str, str], int, int, int]] = [
        # name, order, filters, first response, next response, resolution (business minutes)
        ("VIP customers", 10, {"tier": Tier.VIP}, 1 * HOURS, 2 * HOURS, 2 * DAY),
        ("Urgent", 20, {"priority": Priority.URGENT}, 1 * HOURS, 2 * HOURS, 1 * DAY),
        ("Priority customers", 30, {"tier": Tier.PRIORITY}, 4 * HOURS, 4 * HOURS, 3 * DAY),
        ("Standard", 100, {}, 8 * HOURS, 8 * HOURS, 5 * DAY),
    ]
    for name, order, filters, first, nxt, resolution in policies:
        if SlaPolicy.objects.filter(name=name).exists():
            continue
        config_actions.do_create_policy(
            actor=admin,
            now=now,
            name=name,
            order=order,
            calendar_id=calendar.pk,
            first_response_minutes=first,
            next_response_minutes=nxt,
            resolution_minutes=resolution,
            warn_at_percent=75,
            **filters,
        )
    # Tiers weigh in, but no tier waits without bound (P5). Weights below 1 make a tier
    # more urgent. Bounds are business time of the case's calendar (the London hours
    # above), like the SLA targets, and sit past each tier's first-response target: a VIP
    # case is served within 2 business hours, a standard one within one business day.
    for tier, weight, max_wait in (
        (Tier.VIP, 0.5, 2 * HOURS),
        (Tier.PRIORITY, 0.75, 6 * HOURS),
        (Tier.STANDARD, 1.0, 1 * DAY),
    ):
        if TierRule.objects.filter(tier=tier).exists():
            continue
        config_actions.do_save_tier_rule(
            actor=admin,
            now=now,
            tier=tier,
            weight=weight,
            max_wait_minutes=max_wait,
            bound_clock=BoundClock.BUSINESS,
        )
