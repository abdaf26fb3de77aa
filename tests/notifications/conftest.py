from __future__ import annotations

import pytest
from django.core.cache import cache

from caredesk.escalations.defaults import seed
from caredesk.escalations.models import ActionType, AuthorityLimit
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
