"""Background work of incidents. Tasks take ids, re-check state and are safe to run twice."""

from __future__ import annotations

from caredesk.core import clock
from caredesk.core.background import task
from caredesk.incidents import fanout


@task()
def fan_out_update(update_id: int) -> str:
    done = fanout.fan_out(update_id, clock.now())
    return f"{done.mailed} mailed, {done.skipped} skipped in {done.batches} batches"
