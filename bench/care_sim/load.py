"""Offered load against capacity, per day: is a target feasible with this staffing?

Work offered on a day is the handle time of the cases that arrived since the previous
working day's close (a weekend's cases land on Monday); capacity is the minutes on duty
of the people who take cases (agents and leads: shifts minus lunch, absent days left
out). Leads' decision time, promises and approvals come on top of the offered work, so
capacity here is an upper bound. Used by ``python -m bench.care_sim --load``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bench.care_sim.arrivals import Arrival
from bench.care_sim.profiles import SimConfig
from bench.care_sim.staff import LUNCH_MINUTES, Person


@dataclass(frozen=True)
class DayLoad:
    day: date
    cases: int
    offered_minutes: float
    capacity_minutes: float

    @property
    def utilisation(self) -> float:
        return self.offered_minutes / self.capacity_minutes if self.capacity_minutes else 0.0


def _working_day_for(at: datetime) -> date:
    """The working day whose queue a case that arrives at ``at`` joins (after 18:00 or
    at a weekend: the next working day)."""
    day = at.date() + timedelta(days=1) if at.hour >= 18 else at.date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _capacity(people: list[Person], day: date) -> float:
    if day.weekday() >= 5:
        return 0.0
    return float(
        sum(
            (p.shift[1] - p.shift[0]) * 60 - LUNCH_MINUTES
            for p in people
            if p.role != "manager" and day not in p.absent_days
        )
    )


def daily_load(config: SimConfig, arrivals: list[Arrival], people: list[Person]) -> list[DayLoad]:
    offered: dict[date, list[Arrival]] = {}
    for arrival in arrivals:
        offered.setdefault(_working_day_for(arrival.at), []).append(arrival)
    days = sorted({d for d in offered if d.weekday() < 5})
    return [
        DayLoad(
            day,
            len(offered[day]),
            sum(a.handle_minutes for a in offered[day]),
            _capacity(people, day),
        )
        for day in days
    ]
