from __future__ import annotations

from datetime import time

import pytest
from django.core.cache import cache

from caredesk.escalations.defaults import seed
from caredesk.escalations.models import ActionType, AuthorityLimit
from caredesk.sla.models import BusinessCalendar, SlaPolicy, WorkingHours
from caredesk.tickets import actions
from caredesk.tickets.models import Channel


@pytest.fixture(autouse=True)
def types(desk):
    """The starter action types (the flush after a test with real commits removes the
    migration's rows; seeding again adds only what is missing)."""
    cache.clear()
    seed(ActionType, AuthorityLimit)
    return {t.slug: t for t in ActionType.objects.all()}


@pytest.fixture
def office(desk):
    """Billing works Monday to Friday, 9 to 17 in Berlin."""
    cal = BusinessCalendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
    for day in range(5):
        WorkingHours.objects.create(calendar=cal, weekday=day, start=time(9), end=time(17))
    SlaPolicy.objects.create(
        name="Billing", calendar=cal, team=desk.billing, resolution_minutes=2400
    )
    return cal


def open_case(desk, now, **kw):
    params = dict(
        customer=desk.alice,
        subject="Charged twice for the same order",
        body="You charged my card twice for order 4411. Please give one back.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    params.update(kw)
    ticket = actions.do_open_ticket(**params)
    ticket.refresh_from_db()
    return ticket
