"""Helpers the escalation actions share: text cleaning, notices, the deadline kinds.

An open escalation's ``due_at`` is the ``escalation.decision`` deadline and a pending
approval's the ``approval.decision`` one (``CAREDESK_DEADLINES``): scheduled with
:func:`caredesk.core.deadlines.schedule`, fired (task or minute sweep) by
:func:`~caredesk.escalations.actions.step_up_escalation` and
:func:`~caredesk.escalations.actions.step_up_approval`."""

from __future__ import annotations

from typing import Any

from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import DomainError
from caredesk.core.text import clean_body
from caredesk.escalations import tasks

MAX_REASON = 5000
ESCALATION_DEADLINE = "escalation.decision"
APPROVAL_DEADLINE = "approval.decision"
# Moving up a level before the decision deadline is missed (a share of the window).
ESCALATION_STEP_UP = "escalation.step_up"
APPROVAL_STEP_UP = "approval.step_up"


def clean_reason(text: Any, *, field: str = "reason", required: bool = True) -> str:
    if not isinstance(text, str):
        raise DomainError(f"The {field} must be text.", code="invalid")
    if not required and not text.strip():
        return ""
    return clean_body(text, max_chars=MAX_REASON, field=field)


def notify(kind: str, pk: int) -> None:
    enqueue_after_commit(tasks.send_notice, kind, pk)
