"""The simulated clock, injected where caredesk reads the wall clock.

``caredesk.core.clock.now`` is the one place the product reads the time, and it reads it
through the ``timezone`` module it imported. :func:`injected` gives that function a source
that answers the simulated time, so every view, action and job that asks
``clock.now()`` (including modules that imported ``now`` itself) sees simulated time;
``datetime`` and Django's ``timezone`` module are untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from caredesk.core import clock


class SimClock:
    def __init__(self, at: datetime) -> None:
        self.at = clock.require_aware(at, "at")

    def set(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@contextmanager
def injected(sim: SimClock) -> Iterator[SimClock]:
    original = clock.timezone
    setattr(clock, "timezone", sim)  # noqa: B010  (clock.now() calls timezone.now())
    try:
        yield sim
    finally:
        setattr(clock, "timezone", original)  # noqa: B010
