"""The one place that reads the wall clock.

Domain code takes ``now`` as an argument; only the outer layer (views, tasks, commands)
calls :func:`now`. Tests freeze time by passing their own datetime.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value
