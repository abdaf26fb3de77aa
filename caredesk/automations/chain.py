"""Loop protection: the automations running in the current chain of events.

An automation's own changes emit events, and reactions run inside the emitting call,
so a change an automation makes reaches the automations again *while it is still
running*. The chain is a context variable holding the ids of the automations whose
actions are running; an automation in it does not fire again, so each automation fires
at most once per chain of events (A sets a tag → B follows tags and sets the priority
→ A follows priorities: A is in the chain and stays quiet).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_running: ContextVar[tuple[int, ...]] = ContextVar("caredesk_automation_chain", default=())


def current() -> tuple[int, ...]:
    return _running.get()


@contextmanager
def inside(automation_id: int) -> Iterator[None]:
    token = _running.set((*_running.get(), automation_id))
    try:
        yield
    finally:
        _running.reset(token)
