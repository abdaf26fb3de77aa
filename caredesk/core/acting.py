"""Who "caredesk itself" is while something automatic acts.

An action called with ``actor=None`` is audited as the system. While an automation runs
its actions, :func:`acting_as` names it ("Automation: Route VIPs"), so the case timeline
says which automation changed the case, without the case actions knowing automations
(a lower layer never names a higher one; docs/adr/0029-automations.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

SYSTEM_LABEL = "caredesk"

_label: ContextVar[str] = ContextVar("caredesk_system_actor_label", default="")


def system_label() -> str:
    """The audit label of an action done with ``actor=None`` right now."""
    return _label.get() or SYSTEM_LABEL


@contextmanager
def acting_as(label: str) -> Iterator[None]:
    """Audit what ``actor=None`` actions do inside the block under ``label``."""
    token = _label.set(" ".join(label.split())[:200])
    try:
        yield
    finally:
        _label.reset(token)
