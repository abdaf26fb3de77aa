"""Handle time for the reports: the logged duration of calls, per case.

Listed in ``settings.CAREDESK_REPORT_HANDLE_TIME``; the reports app calls it by its
dotted path (the two apps sit side by side in the layers and never import each other).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from caredesk.channels.phone.models import CallLog


def call_seconds(start: datetime, end: datetime) -> Iterable[tuple[int, int]]:
    """(case id, seconds) of every call logged in [start, end)."""
    return CallLog.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "ticket_id", "duration_seconds"
    )
