"""Effects that must happen once, however often the task asking for them runs.

A task can run twice: the worker may die after the task's transaction committed and
before the queue marked it done, and the task is then put back in the queue
(:mod:`caredesk.core.recovery`). State changes guard themselves with conditional
UPDATEs; effects that leave no state of their own (a mail queued, an event written) claim
a key in the same transaction::

    with transaction.atomic():
        if not once.claim(f"case-acknowledged:{ticket.pk}", now):
            return  # done by an earlier run
        enqueue_mail(...)

The claim and the effect commit together or not at all, so a crash before the commit
leaves neither (the next run does the work) and after it leaves both (the next run
skips). A second transaction claiming the same key waits for the first one and then
finds the key taken.

Keys name the effect, not the task: ``case-acknowledged:<case id>`` is the same key
whichever channel or task acknowledges the case. Where the same arguments may
legitimately cause the effect again (a case handed to the same agent twice), the key is
that of the enqueued task, :func:`task_key`, which a re-run shares and a new request
does not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from caredesk.core.models import EffectClaim

MAX_KEY = 200
# Claims are deleted after this (caredesk.core.retention): a task runs again within
# minutes of its worker's death, not weeks.
KEEP = timedelta(days=30)


def claim(key: str, now: datetime) -> bool:
    """True the first time ``key`` is claimed. Call it inside the transaction that
    performs the effect (it raises outside one: a claim committed on its own could be
    left without its effect)."""
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"an effect key must be 1 to {MAX_KEY} characters")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside the transaction that performs the effect")
    try:
        with transaction.atomic():
            EffectClaim.objects.create(key=key, claimed_at=now)
    except IntegrityError:
        return False
    return True


def task_key(context: Any, effect: str) -> str:
    """The key of ``effect`` for this enqueued task (``@task(takes_context=True)``):
    shared by every run of the same queued task, new for each enqueue."""
    return f"{effect}:task:{context.task_result.id}"


def claimed(key: str) -> bool:
    return EffectClaim.objects.filter(key=key).exists()
