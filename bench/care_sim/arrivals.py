"""Customer contacts: Poisson arrivals by hour of the day and day of the week.

Everything random is drawn here from the seed, so the product run and the baselines see
exactly the same arrivals (same times, tiers, handle times and follow-ups).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.care_sim.profiles import SimConfig

# Relative contact rate per hour of the day (UTC): quiet at night, busy mid-morning.
HOUR_CURVE = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8, 7, 6, 4, 3, 2)
# Relative rate per weekday, Monday first.
DAY_CURVE = (1.2, 1.1, 1.0, 1.0, 0.95, 0.45, 0.35)

ABUSIVE_BODY = (
    "Where is my order? You people are completely useless. You're too thick to read a map. "
    "Put me through to someone who isn't an idiot or I'll come down and sort you out myself."
)


@dataclass(frozen=True)
class Arrival:
    index: int
    at: datetime
    tier: str  # "vip" | "priority" | "standard"
    abusive: bool
    handle_minutes: float
    # What the agent does when answering: "" | "callback" | "update" (a promise).
    promise: str
    # The promise is renegotiated (honestly, before due) rather than kept on time.
    renegotiate: bool
    needs_approval: bool
    resolves: bool


def _rate_per_hour(config: SimConfig) -> list[float]:
    """Expected arrivals for each hour of the run, scaled to ``cases_per_month``."""
    weights = []
    for hour in range(config.days * 24):
        at = config.start + timedelta(hours=hour)
        weights.append(HOUR_CURVE[at.hour] * DAY_CURVE[at.weekday()])
    # The mean week's weight, so a 30-day month brings cases_per_month on average.
    week = sum(h * d for h in HOUR_CURVE for d in DAY_CURVE)
    per_weight = config.cases_per_month / (week * 30 / 7)
    return [w * per_weight for w in weights]


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method; lam per hour stays well under 100.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _tier(rng: random.Random, config: SimConfig) -> str:
    roll = rng.random()
    if roll < config.vip_share:
        return "vip"
    if roll < config.vip_share + config.priority_share:
        return "priority"
    return "standard"


def draw_arrivals(config: SimConfig) -> list[Arrival]:
    rng = random.Random(f"arrivals-{config.seed}")
    out: list[Arrival] = []
    for hour, lam in enumerate(_rate_per_hour(config)):
        base = config.start + timedelta(hours=hour)
        for seconds in sorted(rng.uniform(0, 3600) for _ in range(_poisson(rng, lam))):
            abusive = rng.random() < config.abusive_share
            promise = ""
            if not abusive and rng.random() < config.promise_share:
                promise = rng.choice(("callback", "update"))
            out.append(
                Arrival(
                    index=len(out),
                    at=base + timedelta(seconds=seconds),
                    tier=_tier(rng, config),
                    abusive=abusive,
                    handle_minutes=max(3.0, rng.expovariate(1 / config.handle_minutes)),
                    promise=promise,
                    renegotiate=bool(promise) and rng.random() < config.renegotiate_share,
                    needs_approval=not abusive and rng.random() < config.approval_share,
                    resolves=rng.random() < 0.6,
                )
            )
    return out
