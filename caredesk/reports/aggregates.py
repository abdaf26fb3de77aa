"""The one refresh of every report table, and reading the waiting-time aggregates.

Each day and tier gets a histogram of waiting minutes (case opened → first response, and
opened → resolved) in ``WaitingDay``; each day the care figures (FCR, repeat contacts,
reopens, volume, backlog…) in ``CareDay``/``CareTagDay`` (``caredesk.reports.care``).
The reports' own periodic job (``refresh_job``, in ``settings.CAREDESK_PERIODIC_JOBS``)
refreshes them every ten minutes — waiting times for today and yesterday, care figures
for today — and once an hour the care figures of the last ``SETTLE_DAYS`` days, whose
FCR windows are still open (they change only when a customer writes again);
``caredesk reports backfill --days N`` rebuilds older days (docs/adr/0016).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from caredesk.customers.models import Tier
from caredesk.reports.buckets import (
    BUCKET_BOUNDS,
    bucket_index,
    day_bounds,
    percentile,
    report_zone,
)
from caredesk.reports.care import refresh_care_day
from caredesk.reports.models import AggregateRun, WaitingDay, WaitingMetric
from caredesk.reports.outcomes import SETTLE_DAYS
from caredesk.tickets.models import Ticket

__all__ = ["BUCKET_BOUNDS", "backfill", "percentile", "refresh_day", "refresh_if_stale"]

REFRESH_EVERY = timedelta(minutes=10)
RUN_NAME = "waiting"
# The days before today: their cases are in, only follow-ups still move their figures.
SETTLING_EVERY = timedelta(hours=1)
SETTLING_RUN = "care-settling"


def refresh_day(day: date, now: datetime) -> int:
    """Recompute every row of ``day`` (idempotent). Returns the rows written."""
    start, end = day_bounds(day)
    hist: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(BUCKET_BOUNDS) + 1))
    totals: dict[tuple[str, str], float] = defaultdict(float)
    sources = (
        (WaitingMetric.FIRST_RESPONSE, "first_response_at"),
        (WaitingMetric.RESOLUTION, "resolved_at"),
    )
    for metric, field in sources:
        rows = (
            Ticket.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .values_list("created_at", field, "organization__tier")
            .iterator(chunk_size=2000)
        )
        for created_at, done_at, tier in rows:
            minutes = max(0.0, (done_at - created_at).total_seconds() / 60)
            key = (tier or str(Tier.STANDARD), str(metric))
            hist[key][bucket_index(minutes)] += 1
            totals[key] += minutes
    with transaction.atomic():
        WaitingDay.objects.filter(day=day).delete()
        WaitingDay.objects.bulk_create(
            WaitingDay(
                day=day,
                tier=tier,
                metric=metric,
                count=sum(counts),
                total_minutes=round(totals[(tier, metric)]),
                buckets=counts,
                computed_at=now,
            )
            for (tier, metric), counts in hist.items()
        )
    return len(hist)


def _due(name: str, every: timedelta, now: datetime) -> bool:
    run = AggregateRun.objects.filter(name=name).first()
    return run is None or now - run.last_run_at >= every


def refresh_if_stale(now: datetime) -> bool:
    """Refresh today (and yesterday's waiting times) at most every ten minutes, and the
    settling days before today at most every hour. True if it ran."""
    if not _due(RUN_NAME, REFRESH_EVERY, now):
        return False
    today = now.astimezone(report_zone()).date()
    for day in (today - timedelta(days=1), today):
        refresh_day(day, now)
    if _due(SETTLING_RUN, SETTLING_EVERY, now):
        for offset in range(SETTLE_DAYS, 0, -1):
            refresh_care_day(today - timedelta(days=offset), now)
        AggregateRun.objects.update_or_create(name=SETTLING_RUN, defaults={"last_run_at": now})
    refresh_care_day(today, now)
    AggregateRun.objects.update_or_create(name=RUN_NAME, defaults={"last_run_at": now})
    return True


def refresh_job(now: datetime) -> str:
    """The periodic job (``settings.CAREDESK_PERIODIC_JOBS``): reports refresh on their own
    schedule, reading the case rows; no other app calls in."""
    return "refreshed" if refresh_if_stale(now) else "fresh"


def backfill(
    days: int, now: datetime, progress: Callable[[date, int, int], None] | None = None
) -> int:
    """Rebuild every report table for today and the ``days`` before it (oldest first).
    ``progress(day, done, total)`` is called after each day. Returns the days rebuilt."""
    today = now.astimezone(report_zone()).date()
    total = days + 1
    for done, offset in enumerate(range(days, -1, -1), start=1):
        day = today - timedelta(days=offset)
        refresh_day(day, now)
        refresh_care_day(day, now)
        if progress is not None:
            progress(day, done, total)
    for name in (RUN_NAME, SETTLING_RUN):
        AggregateRun.objects.update_or_create(name=name, defaults={"last_run_at": now})
    return total


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingRow:
    tier: str
    label: str
    first_response_count: int
    first_response_p50: float | None
    first_response_p90: float | None
    resolution_count: int
    resolution_p50: float | None
    resolution_p90: float | None


def waiting_by_tier(start: date, end: date) -> list[WaitingRow]:
    """p50/p90 waiting minutes per tier for cases answered/resolved from start to end."""
    width = len(BUCKET_BOUNDS) + 1
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * width)
    for tier, metric, buckets in WaitingDay.objects.filter(
        day__gte=start, day__lte=end
    ).values_list("tier", "metric", "buckets"):
        target = sums[(tier, metric)]
        for i, value in enumerate(buckets[:width]):
            target[i] += int(value)
    rows = []
    for tier in Tier:
        first = sums.get((tier.value, WaitingMetric.FIRST_RESPONSE.value), [0] * width)
        resolved = sums.get((tier.value, WaitingMetric.RESOLUTION.value), [0] * width)
        rows.append(
            WaitingRow(
                tier=tier.value,
                label=str(tier.label),
                first_response_count=sum(first),
                first_response_p50=percentile(first, 0.5),
                first_response_p90=percentile(first, 0.9),
                resolution_count=sum(resolved),
                resolution_p50=percentile(resolved, 0.5),
                resolution_p90=percentile(resolved, 0.9),
            )
        )
    return rows


def last_refreshed() -> datetime | None:
    run = AggregateRun.objects.filter(name=RUN_NAME).first()
    return run.last_run_at if run else None
