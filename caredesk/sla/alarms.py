"""Warnings and breaches: what is due on a case's SLA timers at ``now``.

A planner: it reads rows and writes nothing. :func:`caredesk.sla.actions.do_fire_alarms`
fires what :func:`due_now` finds, each flag claimed with a conditional UPDATE (``…
WHERE frt_warned = false``) inside a transaction that holds the case row, so a restart,
a retry or both triggers at once (the task scheduled for ``sla_alarm_at`` and the
minute deadline sweep, :mod:`caredesk.core.deadlines`) can never notify twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caredesk.sla import engine
from caredesk.sla.calendar import require_aware
from caredesk.sla.models import CaseSla


@dataclass(frozen=True)
class Due:
    """One warning or breach to fire on a case."""

    kind: str  # "frt", "nrt" or "res"
    breach: bool  # False: the warning before the breach
    due: datetime | None

    @property
    def target(self) -> str:
        return engine.TARGET_NAMES[self.kind]


def due_now(state: CaseSla, schedule: engine.Schedule, now: datetime) -> list[Due]:
    """The warnings and breaches of this case due at ``now`` and not fired yet."""
    require_aware(now, "now")
    due: list[Due] = []
    for kind in engine.TARGETS:
        warn, deadline = schedule.warns[kind], schedule.dues[kind]
        if (
            warn is not None
            and warn <= now
            and (deadline is None or deadline > now)
            and not getattr(state, f"{kind}_warned")
        ):
            due.append(Due(kind, False, deadline))
        if deadline is not None and deadline <= now and not getattr(state, f"{kind}_breached"):
            due.append(Due(kind, True, deadline))
    return due
