"""One simulation: draw, build the desk, drive the product, replay the baselines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bench.care_sim.arrivals import Arrival, draw_arrivals
from bench.care_sim.baselines import replay
from bench.care_sim.desk import build_desk
from bench.care_sim.driver import Driver, load_average
from bench.care_sim.metrics import bounds_and_calendar, care_stats, product_queue, replay_queue
from bench.care_sim.profiles import SimConfig
from bench.care_sim.staff import draw_team
from caredesk.sla.calendar import add_business_seconds


def _bound_at() -> Callable[[Arrival], datetime]:
    """Each arrival's tier bound, in business time of the desk's calendar."""
    bounds, cal = bounds_and_calendar()

    def at(arrival: Arrival) -> datetime:
        minutes = bounds.get(arrival.tier)
        if minutes is None:
            return arrival.at + timedelta(days=365)
        return add_business_seconds(cal, arrival.at, minutes * 60)

    return at


def simulate(
    config: SimConfig,
    wall_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run the product and the baselines. With ``wall_limit`` (seconds) or ``stop`` the
    product run may end early, at a whole simulated hour; then everything (baselines,
    metrics, the reported time) covers only the hours it simulated."""
    arrivals = draw_arrivals(config)
    people = draw_team(config)
    desk = build_desk(config, people, config.start)
    outcome = Driver(config, desk, arrivals).run(wall_limit, progress, stop)
    end = outcome.end
    assert end is not None
    hours = round((end - config.start).total_seconds() / 3600)
    arrivals = [a for a in arrivals if a.at < end]
    leads = sum(p.role == "lead" for p in people)

    def baseline(name: str, bound_at: Callable[[Arrival], datetime] | None = None) -> Any:
        return replay_queue(replay(name, config, arrivals, people, bound_at, end), arrivals, end)

    queue = {
        "caredesk": product_queue(outcome),
        "fifo": baseline("fifo"),
        "vip_first": baseline("vip_first"),
        "bound_first": baseline("bound_first", _bound_at()),
    }
    care = care_stats(outcome, leads, hours / 24)
    return {
        "config": {**asdict(config), "start": config.start.isoformat()},
        "simulated_hours": hours,
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
