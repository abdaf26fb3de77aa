from __future__ import annotations

import pytest
from django.core.cache import cache

from caredesk.escalations.defaults import seed
from caredesk.escalations.models import ActionType, AuthorityLimit
from caredesk.tickets import actions
from caredesk.tickets.models import Channel
from tests.sla.conftest import always_open, policy  # noqa: F401 (fixtures)


@pytest.fixture
def types(desk):
    cache.clear()
    seed(ActionType, AuthorityLimit)
    return {t.slug: t for t in ActionType.objects.all()}


@pytest.fixture
def frozen(monkeypatch, now):
    """Views and tasks read the clock; tests set it."""

    class Clock:
        at = now

        def set(self, value):
            self.at = value

    c = Clock()
    monkeypatch.setattr("caredesk.core.clock.now", lambda: c.at)
    return c


def open_case(desk, now, **kw):
    """A portal case for Bob in the billing team (keyword arguments override)."""
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
