"""The portal's short-lived rows, for the hourly retention job (``CAREDESK_PURGE_JOBS``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.channels.portal.models import MagicLink
from caredesk.core.retention import delete_in_slices


def purge_expired_links(now: datetime) -> int:
    """Sign-in links a day after they expired, used or not."""
    return delete_in_slices(MagicLink.objects.filter(expires_at__lt=now - timedelta(days=1)))
