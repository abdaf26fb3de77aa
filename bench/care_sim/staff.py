"""The team: agents and leads with shifts, lunch, absences and one case at a time.

Shifts are drawn per person, absences and lunch per person and day, all from the seed, so
the product run and the baselines have the same people at work at the same times.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bench.care_sim.profiles import SimConfig

# (start hour, end hour) in the calendar's zone; the office is open 08:00-18:00 Mon-Fri.
SHIFTS = ((8, 16), (9, 17), (10, 18))
LUNCH_MINUTES = 45


@dataclass
class Person:
    key: str
    role: str  # "agent" | "lead" | "manager"
    shift: tuple[int, int]
    absent_days: set[date] = field(default_factory=set)
    lunch_at: dict[date, int] = field(default_factory=dict)  # minute of the day

    def on_duty(self, at: datetime) -> bool:
        day = at.date()
        if at.weekday() >= 5 or day in self.absent_days:
            return False
        minute = at.hour * 60 + at.minute
        start, end = self.shift[0] * 60, self.shift[1] * 60
        if not start <= minute < end:
            return False
        lunch = self.lunch_at.get(day, start + 240)
        return not lunch <= minute < lunch + LUNCH_MINUTES

    def shift_end(self, at: datetime) -> datetime:
        return at.replace(hour=self.shift[1], minute=0, second=0, microsecond=0)

    def next_shift_start(self, after: datetime) -> datetime:
        """The start of this person's next working shift strictly after ``after``."""
        day = after.date()
        for offset in range(0, 40):
            candidate = datetime.combine(
                day + timedelta(days=offset), datetime.min.time(), after.tzinfo
            ).replace(hour=self.shift[0])
            if candidate <= after or candidate.weekday() >= 5:
                continue
            if candidate.date() in self.absent_days:
                continue
            return candidate
        raise RuntimeError(f"{self.key} has no shift within 40 days")


def draw_team(config: SimConfig) -> list[Person]:
    rng = random.Random(f"team-{config.seed}")
    people: list[Person] = []
    roles = (
        [("agent", i) for i in range(config.agents)]
        + [("lead", i) for i in range(config.leads)]
        + [("manager", i) for i in range(config.managers)]
    )
    for role, i in roles:
        person = Person(key=f"{role}{i + 1}", role=role, shift=SHIFTS[i % len(SHIFTS)])
        for offset in range(config.days + 1):
            day = (config.start + timedelta(days=offset)).date()
            if rng.random() < config.absent_share:
                person.absent_days.add(day)
            start = person.shift[0] * 60
            person.lunch_at[day] = start + rng.randrange(180, 300, 15)
        people.append(person)
    return people
