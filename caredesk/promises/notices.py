"""Notices to staff about promises: a row people see on /promises/, and a mail after commit."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.core.effects import enqueue_after_commit
from caredesk.promises.models import Promise, PromiseNotice


def notify(user: User | None, promise: Promise, kind: str, text: str, now: datetime) -> None:
    """Call inside the transaction that caused the notice."""
    if user is None or not user.is_active:
        return
    notice = PromiseNotice.objects.create(
        user=user, promise=promise, kind=kind, text=text[:300], created_at=now
    )
    from caredesk.promises import tasks

    enqueue_after_commit(tasks.send_promise_notice, notice.pk)
