"""The report day and the minute histogram shared by every report table."""

from __future__ import annotations

import bisect
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

# Upper bounds of the histogram buckets, in minutes; one more bucket holds everything longer.
BUCKET_BOUNDS = (
    5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440,
    2160, 2880, 4320, 7200, 10080, 20160, 43200,
)  # fmt: skip


def report_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = report_zone()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def bucket_index(minutes: float) -> int:
    return bisect.bisect_left(BUCKET_BOUNDS, minutes)


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
