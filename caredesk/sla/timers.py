"""SLA timers as pure values: a budget of business time that runs, pauses and rebases.

A running timer is ``(anchor, left)``: at instant ``anchor`` there were ``left`` seconds of
business time left; its deadline is ``add_business_seconds(calendar, anchor, left)``.
Pausing or editing the calendar *rebases* the timer: the business time spent since the
anchor is subtracted under the calendar in force, and the anchor moves to that instant.
So time already spent is counted under the rules that applied when it was spent, and a
paused timer keeps exactly what it had left.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from caredesk.sla.calendar import Calendar, add_business_seconds, business_seconds_between


@dataclass(frozen=True)
class Timer:
    budget: int  # the full target, business seconds
    left: int  # business seconds left at ``anchor`` (negative once overdue)
    anchor: datetime | None  # None: paused

    @classmethod
    def start(cls, budget_seconds: int, now: datetime) -> Timer:
        return cls(budget=budget_seconds, left=budget_seconds, anchor=now)

    @property
    def running(self) -> bool:
        return self.anchor is not None

    def left_at(self, cal: Calendar, now: datetime) -> int:
        """Business seconds left at ``now`` (negative when overdue)."""
        if self.anchor is None:
            return self.left
        if now >= self.anchor:
            return self.left - business_seconds_between(cal, self.anchor, now)
        return self.left

    def pause(self, cal: Calendar, now: datetime) -> Timer:
        if self.anchor is None:
            return self
        return replace(self, left=self.left_at(cal, now), anchor=None)

    def resume(self, now: datetime) -> Timer:
        if self.anchor is not None:
            return self
        return replace(self, anchor=now)

    def rebase(self, cal: Calendar, now: datetime) -> Timer:
        """Fix the time spent so far under ``cal`` (before a calendar edit)."""
        if self.anchor is None or now <= self.anchor:
            return self
        return replace(self, left=self.left_at(cal, now), anchor=now)

    def with_budget(self, budget_seconds: int) -> Timer:
        """A new target (the policy changed); the time already spent still counts."""
        spent = self.budget - self.left
        return replace(self, budget=budget_seconds, left=budget_seconds - spent)

    def due(self, cal: Calendar) -> datetime | None:
        """The deadline, or None while paused. Overdue timers report when they fell due."""
        if self.anchor is None:
            return None
        if self.left >= 0:
            return add_business_seconds(cal, self.anchor, self.left)
        # Already overdue at the anchor: the deadline lies before it. Business time
        # cannot be walked backwards cheaply, and the exact past instant does not
        # matter for alarms (they fire at once), so report the anchor.
        return self.anchor

    def warn_at(self, cal: Calendar, percent: int) -> datetime | None:
        """When ``percent`` of the budget will have been spent (None while paused)."""
        if self.anchor is None:
            return None
        reserve = self.budget * (100 - percent) // 100
        return add_business_seconds(cal, self.anchor, max(0, self.left - reserve))
