"""How enrichment follows the cases: abuse scoring (P10) and sentiment (P4) of every new
customer message.

Wired in ``settings.CAREDESK_EVENT_REACTIONS`` for ``message.added``; it runs inside the
transaction that wrote the messages and only enqueues the scoring, after commit, in one
task for all the customer messages of one call (an email intake batch): the model reads
the text outside any transaction (house rule 3).
"""

from __future__ import annotations

from caredesk.core.effects import enqueue_after_commit
from caredesk.core.events import Emitted
from caredesk.enrichment import actions, replies, tasks
from caredesk.tickets.models import MessageKind


def _customer_message_ids(group: list[Emitted]) -> list[int]:
    ids = []
    for e in group:
        new = e.event.data.get("new")
        if isinstance(new, dict) and new.get("kind") == MessageKind.CUSTOMER:
            ids.append(int(new["message"]))
    return ids


def enrich_customer_messages(group: list[Emitted]) -> None:
    """Abuse scoring (P10) and sentiment (P4) of the new customer messages, in one task
    after commit (one queued row per intake instead of two); each keeps its own rows."""
    ids = _customer_message_ids(group)
    if ids:
        enqueue_after_commit(tasks.enrich_customer_messages, ids)


def record_reply_coverage(group: list[Emitted]) -> None:
    """A reply sent after a coverage warning (sent anyway, or revised until it passed)
    is recorded on the case in the reply's transaction. Outside
    :func:`caredesk.enrichment.replies.checking` it does nothing and reads nothing."""
    done = replies.checked()
    if done is None:
        return
    for e in group:
        new = e.event.data.get("new")
        if not isinstance(new, dict) or new.get("kind") != MessageKind.REPLY:
            continue
        if e.event.ticket_id != done.ticket_id or not new.get("message"):
            continue
        actions.do_record_reply_coverage(
            done.ticket_id, int(new["message"]), done, now=e.event.created_at
        )
