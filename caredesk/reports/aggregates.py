"""Filling and reading the waiting-time aggregates.

Each day and tier gets a histogram of waiting minutes (case opened → first response, and
opened → resolved). The SLA sweep refreshes today and yesterday every ten minutes;
``caredesk sla backfill-report --days N`` rebuilds older days.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from caredesk.customers.models import Tier
from caredesk.reports.models import AggregateRun, WaitingDay, WaitingMetric
from caredesk.tickets.models import Ticket

# Upper bounds of the histogram buckets, in minutes; one more bucket holds everything longer.
BUCKET_BOUNDS = (
    5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440,
    2160, 2880, 4320, 7200, 10080, 20160, 43200,
)  # fmt: skip
REFRESH_EVERY = timedelta(minutes=10)
RUN_NAME = "waiting"


def report_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = report_zone()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def bucket_index(minutes: float) -> int:
    return bisect.bisect_left(BUCKET_BOUNDS, minutes)


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


def refresh_if_stale(now: datetime) -> bool:
    """Refresh today and yesterday at most every ten minutes. True if it ran."""
    run = AggregateRun.objects.filter(name=RUN_NAME).first()
    if run is not None and now - run.last_run_at < REFRESH_EVERY:
        return False
    today = now.astimezone(report_zone()).date()
    for day in (today - timedelta(days=1), today):
        refresh_day(day, now)
    AggregateRun.objects.update_or_create(name=RUN_NAME, defaults={"last_run_at": now})
    return True


def refresh_job(now: datetime) -> str:
    """The periodic job (``settings.CAREDESK_PERIODIC_JOBS``): reports refresh on their own
    schedule, reading the case rows; no other app calls in."""
    return "refreshed" if refresh_if_stale(now) else "fresh"


def backfill(days: int, now: datetime) -> int:
    today = now.astimezone(report_zone()).date()
    for offset in range(days, -1, -1):
        refresh_day(today - timedelta(days=offset), now)
    AggregateRun.objects.update_or_create(name=RUN_NAME, defaults={"last_run_at": now})
    return days + 1


# --- reading --------------------------------------------------------------------------


def percentile(counts: list[int], share: float) -> float | None:
    """Estimate a percentile (0 < share < 1) from a histogram, interpolating in a bucket.

    Returns minutes, ``inf`` when it falls in the open-ended last bucket, None if empty.
    """
    total = sum(counts)
    if total == 0:
        return None
    target = share * total
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= target:
            if index >= len(BUCKET_BOUNDS):
                return float("inf")
            lower = BUCKET_BOUNDS[index - 1] if index else 0
            upper = BUCKET_BOUNDS[index]
            return lower + (upper - lower) * (target - seen) / count
        seen += count
    return float("inf")


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
