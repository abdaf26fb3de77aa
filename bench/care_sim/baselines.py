"""FIFO, VIP-first and bound-first queues on the same arrivals with the same people: no
product. Bound-first serves the case whose tier bound comes first (earliest deadline
first on the bounds): if any order can keep every case within its bound, this one does,
so the cases it still leaves beyond their bound show what the staffing cannot do.

A pure replay: every tick, each free person on duty (agents and leads, as in the
product run) takes the next waiting case by the baseline's order and answers it after
the arrival's handle time. Leads here spend no time on escalations or approvals, so the
baselines are an upper bound of what the same team could do with a plain queue.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.care_sim.arrivals import Arrival
from bench.care_sim.profiles import SimConfig
from bench.care_sim.staff import Person

TIER_ORDER = {"vip": 0, "priority": 1, "standard": 2}


@dataclass
class Replay:
    name: str
    claimed_at: dict[int, datetime] = field(default_factory=dict)  # arrival index
    answered_at: dict[int, datetime] = field(default_factory=dict)


def replay(
    name: str,
    config: SimConfig,
    arrivals: list[Arrival],
    people: list[Person],
    bound_at: Callable[[Arrival], datetime] | None = None,
    end: datetime | None = None,
) -> Replay:
    """Replay until ``end`` (default: the configured days)."""
    if name not in ("fifo", "vip_first", "bound_first"):
        raise ValueError(f"unknown baseline {name!r}")
    if name == "bound_first" and bound_at is None:
        raise ValueError("bound-first needs each arrival's bound")
    out = Replay(name)
    tick = timedelta(minutes=config.tick_minutes)
    end = end or config.start + timedelta(days=config.days)
    workers = [p for p in people if p.role in ("agent", "lead")]
    busy: dict[str, datetime] = {}
    doing: dict[str, Arrival] = {}
    waiting: list[tuple[float, datetime, int]] = []
    pending = list(reversed(arrivals))
    now = config.start
    while now < end:
        while pending and pending[-1].at <= now:
            a = pending.pop()
            key: float = 0.0
            if name == "vip_first":
                key = TIER_ORDER[a.tier]
            elif bound_at is not None and name == "bound_first":
                key = bound_at(a).timestamp()
            heapq.heappush(waiting, (key, a.at, a.index))
        for person in workers:
            if busy.get(person.key, now) > now:
                continue
            if person.key in doing:
                out.answered_at[doing.pop(person.key).index] = now
            if not person.on_duty(now) or not waiting:
                continue
            _, _, index = heapq.heappop(waiting)
            arrival = arrivals[index]
            out.claimed_at[index] = now
            doing[person.key] = arrival
            busy[person.key] = now + timedelta(minutes=arrival.handle_minutes)
        now += tick
    return out
