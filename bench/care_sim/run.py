"""One simulation: draw, build the desk, drive the product, replay the baselines."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bench.care_sim.arrivals import Arrival, draw_arrivals
from bench.care_sim.baselines import replay
from bench.care_sim.desk import build_desk
from bench.care_sim.driver import Driver
from bench.care_sim.metrics import bounds_and_calendar, care_stats, product_queue, replay_queue
from bench.care_sim.profiles import SimConfig
from bench.care_sim.staff import draw_team
from caredesk.sla.calendar import add_business_seconds


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _bound_at() -> Callable[[Arrival], datetime]:
    """Each arrival's tier bound, in business time of the desk's calendar."""
    bounds, cal = bounds_and_calendar()

    def at(arrival: Arrival) -> datetime:
        minutes = bounds.get(arrival.tier)
        if minutes is None:
            return arrival.at + timedelta(days=365)
        return add_business_seconds(cal, arrival.at, minutes * 60)

    return at


def simulate(config: SimConfig) -> dict[str, Any]:
    arrivals = draw_arrivals(config)
    people = draw_team(config)
    desk = build_desk(config, people, config.start)
    outcome = Driver(config, desk, arrivals).run()
    assert outcome.end is not None
    leads = sum(p.role == "lead" for p in people)
    queue = {
        "caredesk": product_queue(outcome),
        "fifo": replay_queue(replay("fifo", config, arrivals, people), arrivals, outcome.end),
        "vip_first": replay_queue(
            replay("vip_first", config, arrivals, people), arrivals, outcome.end
        ),
        "bound_first": replay_queue(
            replay("bound_first", config, arrivals, people, _bound_at()), arrivals, outcome.end
        ),
    }
    care = care_stats(outcome, leads, config.days)
    return {
        "config": {**asdict(config), "start": config.start.isoformat()},
        "arrivals": len(arrivals),
        "cases": len(outcome.case_of),
        "requests": outcome.requests,
        "refused": outcome.refused[:20],
        "refused_count": len(outcome.refused),
        "wall_seconds": round(outcome.wall_seconds, 1),
        "cpu_seconds": round(outcome.cpu_seconds, 1),
        "cases_per_cpu_second": round(len(outcome.case_of) / max(outcome.cpu_seconds, 1e-9), 1),
        "cases_per_second": round(len(outcome.case_of) / max(outcome.wall_seconds, 1e-9), 1),
        "load_average": load_average(),
        "queue": {
            name: {
                "beyond_bound": stats.beyond_bound,
                "tiers": {t: asdict(v) for t, v in stats.tiers.items()},
            }
            for name, stats in queue.items()
        },
        "care": care.as_dict(),
    }
