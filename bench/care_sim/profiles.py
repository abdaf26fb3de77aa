"""Simulation settings: the ``normal`` and ``stress`` profiles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

# A Monday in November: London (the demo calendar's zone) is on UTC, so shift hours in
# UTC are office hours.
START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SimConfig:
    days: int = 30
    profile: str = "normal"
    seed: int = 1
    start: datetime = START
    # Cases a 30-day month brings (scaled by ``days``).
    cases_per_month: int = 7000
    agents: int = 12
    leads: int = 2
    managers: int = 1
    # Share of staff absent on a given working day.
    absent_share: float = 0.05
    vip_share: float = 0.20
    priority_share: float = 0.15
    abusive_share: float = 0.01
    # Share of cases whose reply makes a promise (a callback or an update).
    promise_share: float = 0.12
    # Share of cases that need a credit above the agent's authority (an approval).
    approval_share: float = 0.03
    # Share of promises the owner honestly renegotiates before due instead of keeping.
    renegotiate_share: float = 0.05
    handle_minutes: float = 14.0
    # The heartbeat: periodic jobs and deadlines run every ``tick`` simulated minutes.
    tick_minutes: int = 2


PROFILES = {
    "normal": SimConfig(),
    "stress": SimConfig(profile="stress", absent_share=0.25),
}


def config_for(profile: str, **overrides: object) -> SimConfig:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (choose {', '.join(PROFILES)})")
    return replace(PROFILES[profile], **overrides)  # type: ignore[arg-type]
