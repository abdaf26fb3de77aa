from __future__ import annotations

from datetime import time

import pytest

from caredesk.sla.models import BusinessCalendar, SlaPolicy, WorkingHours
from caredesk.tickets import actions
from caredesk.tickets.models import Channel


@pytest.fixture
def always_open(desk):
    return BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)


@pytest.fixture
def office(desk):
    cal = BusinessCalendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
    for day in range(5):
        WorkingHours.objects.create(calendar=cal, weekday=day, start=time(9), end=time(17))
    return cal


@pytest.fixture
def policy(always_open):
    """First reply in 60, next reply in 30, resolved in 480 business minutes; warn at 75%."""
    return SlaPolicy.objects.create(
        name="Standard",
        calendar=always_open,
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=480,
        warn_at_percent=75,
    )


def open_case(desk, now, **kw):
    params = dict(
        customer=desk.bob,
        subject="Invoice is wrong",
        body="I was charged twice.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


def sweep(now):
    """The worker's minute deadline sweep; returns the warnings and breaches it fired, as
    the audit log of the cases records them."""
    from caredesk.core import deadlines
    from caredesk.sla.actions import Fired
    from caredesk.tickets.models import AuditEvent

    def count(verb):
        return AuditEvent.objects.filter(verb=verb).count()

    warnings, breaches = count("sla_warning"), count("sla_breached")
    deadlines.sweep(now)
    return Fired(count("sla_warning") - warnings, count("sla_breached") - breaches)
