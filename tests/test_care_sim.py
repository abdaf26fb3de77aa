"""The care simulation's invariants on one short day with a tiny team (not product targets)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.care_sim.arrivals import draw_arrivals
from bench.care_sim.profiles import config_for
from bench.care_sim.report import render
from bench.care_sim.run import simulate
from bench.care_sim.simclock import SimClock, injected
from caredesk.core import clock
from caredesk.promises.models import Promise
from caredesk.tickets.models import Ticket

SMALL = {"days": 1, "agents": 3, "leads": 1, "cases_per_month": 200, "tick_minutes": 15}


def test_arrivals_are_drawn_from_the_seed_alone():
    config = config_for("normal", **SMALL)
    first, again = draw_arrivals(config), draw_arrivals(config)
    assert first == again and first
    assert [a.index for a in first] == list(range(len(first)))
    assert all(config.start <= a.at < config.start.replace(day=3) for a in first)
    assert draw_arrivals(config_for("normal", **{**SMALL, "seed": 2})) != first


def test_the_injected_clock_is_what_the_product_reads():
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with injected(SimClock(at)):
        assert clock.now() == at
    assert clock.now() != at


@pytest.mark.django_db
def test_a_short_simulation_turns_every_arrival_into_a_case_and_measures_it(settings):
    settings.RATELIMIT_ENABLE = False
    # Two days asked, and asked to stop at the 24th simulated hour (what --wall-limit and
    # kill -USR1 do): arrivals, baselines and metrics cover that one whole day.
    hours: list[int] = []
    result = simulate(
        config_for("normal", **{**SMALL, "days": 2}),
        stop=lambda: hours.append(1) or len(hours) >= 24,
    )
    assert (result["config"]["days"], result["simulated_hours"]) == (2, 24)
    first_day = draw_arrivals(config_for("normal", **{**SMALL, "days": 2}))
    assert result["arrivals"] == sum(a.at.day == 2 for a in first_day)
    # Every arrival became exactly one case, through the API intake.
    assert result["cases"] == result["arrivals"] == Ticket.objects.count() > 0
    assert result["refused_count"] == 0, result["refused"]
    # The baselines replayed the same arrivals: every tier has the same case count.
    tiers = {name: q["tiers"] for name, q in result["queue"].items()}
    for tier in ("vip", "priority", "standard"):
        counts = {name: t[tier]["cases"] for name, t in tiers.items()}
        assert len(set(counts.values())) == 1, counts
        assert tiers["caredesk"][tier]["bound_minutes"] is not None
    assert sum(t["cases"] for t in tiers["fifo"].values()) == result["arrivals"]
    # Metrics were computed from the product's rows.
    care = result["care"]
    assert care["promises"] == Promise.objects.count()
    assert care["approvals"] >= 0 and care["escalations"] >= 0
    assert result["cases_per_second"] > 0
    text = render(result)
    assert "First response" in text and "1 days (of 2 days asked: stopped early)" in text
    assert "- not measured: only 1 days (of 2 days asked" in text
