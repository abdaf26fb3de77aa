"""Helpers the escalation actions share: text cleaning, deadline scheduling, notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import DomainError
from caredesk.core.text import clean_body
from caredesk.escalations import tasks

MAX_REASON = 5000


def clean_reason(text: Any, *, field: str = "reason", required: bool = True) -> str:
    if not isinstance(text, str):
        raise DomainError(f"The {field} must be text.", code="invalid")
    if not required and not text.strip():
        return ""
    return clean_body(text, max_chars=MAX_REASON, field=field)


def schedule_deadline(task: Any, pk: int, at: datetime | None) -> None:
    """Fire ``task(pk)`` at ``at`` on backends that schedule; the minute sweep covers others."""
    if at is None or not task.get_backend().supports_defer:
        return
    enqueue_after_commit(task.using(run_after=at), pk)


def notify(kind: str, pk: int) -> None:
    enqueue_after_commit(tasks.send_notice, kind, pk)
