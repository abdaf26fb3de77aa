"""Background work of the spine. Tasks take ids, re-check state, and are safe to run twice.

The outbox enqueues these tasks and they call the outbox: module imports both ways, the
one import cycle allowed, inside one app."""

from __future__ import annotations

from caredesk.core import outbox
from caredesk.core.background import task
from caredesk.core.clock import now as clock_now


@task()
def deliver_outbound(outbound_id: int) -> str:
    return outbox.deliver(outbound_id, clock_now())
