"""The email channel's share of the worker's every-minute heartbeat (caredesk.core.periodic)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from caredesk.channels.email import conf
from caredesk.channels.email.actions import do_process_batch, do_process_raw
from caredesk.channels.email.imap import poll_all
from caredesk.channels.email.models import Mailbox, RawMessage, RawState
from caredesk.core import clock

log = logging.getLogger(__name__)

# A stored message is normally parsed by a task right after it commits; one still stored
# after this long lost its task (a worker died mid-parse) and is picked up here.
STUCK_AFTER = timedelta(minutes=2)


def process_stored(*, older_than: datetime | None = None, limit: int = 1000) -> int:
    """Parse and file raw messages still waiting in the *stored* state. Returns the count.

    Messages stuck past ``older_than`` lost their task (a worker died mid-batch): they are
    retried one at a time, each attempt counted first, so one message that kills the
    worker cannot hold back the others. Without ``older_than`` they are filed in batches."""
    if older_than is None:
        done = 0
        while done < limit:
            states = do_process_batch(now=clock.now(), limit=min(conf.batch_size(), limit - done))
            if not states:
                break
            done += len(states)
        return done
    pending = RawMessage.objects.filter(state=RawState.STORED, received_at__lt=older_than)
    ids = list(pending.order_by("received_at", "id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        do_process_raw(pk, now=clock.now())
    return len(ids)


def housekeeping(now: datetime) -> str | None:
    """Poll enabled IMAP mailboxes and rescue stuck messages. (Outbox mail that is due is
    the ``outbox.retry`` deadline: the deadline sweep delivers it.)"""
    fetched = 0
    if Mailbox.objects.filter(enabled=True).exists():
        for result in poll_all(now=now):
            fetched += result.stored
            for error in result.errors:
                log.warning("mailbox %s: %s", result.mailbox, error)
    rescued = process_stored(older_than=now - STUCK_AFTER)
    if not (fetched or rescued):
        return None
    return f"{fetched} fetched, {rescued} rescued"
