"""The coverage check before a public reply is sent (P3), and how its outcome is kept.

The workspace reply box and the API reply wrap the reply in :func:`checking`:

* it reads the case's open questions (:func:`caredesk.enrichment.selectors.reply_context`)
  and runs :func:`caredesk.enrichment.coverage.check` on the draft;
* when the reply seems not to answer and the agent did not choose *Send anyway*, it
  raises :class:`ReplyMayNotAnswer` (code ``reply_may_not_answer``, the check in
  ``details``): nothing is sent. The API answers 409 with it; the reply box shows the
  warning panel (a 200 page that asks the agent to decide);
* otherwise the reply is sent inside the block; the ``message.added`` reaction
  (:func:`caredesk.enrichment.reactions.record_reply_coverage`) writes one audit event
  in the reply's own transaction when there was a warning: sent anyway (with what was
  missing), or revised after a warning until the check passed.

Internal notes are never checked: only the reply paths use this block. The case actions
never hear of it (ADR 7), the same shape as :mod:`caredesk.policies.replies`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from caredesk.accounts.models import User
from caredesk.core.errors import Conflict
from caredesk.enrichment import coverage, selectors
from caredesk.tickets.models import Ticket

SENT_ANYWAY = "sent_anyway"
REVISED = "revised"


class ReplyMayNotAnswer(Conflict):
    code = "reply_may_not_answer"


@dataclass(frozen=True)
class Checked:
    agent: User
    ticket_id: int
    result: coverage.Coverage
    decision: str


_checked: ContextVar[Checked | None] = ContextVar("reply_coverage_checked", default=None)


def customer_name(ticket: Ticket) -> str:
    name = " ".join(str(ticket.customer.name or "").split())
    first = name.split(" ")[0] if name else ""
    return first[:60] or "The customer"


def check_reply(ticket: Ticket, body: str) -> coverage.Coverage:
    """The check of a draft reply against the case's open questions (reads only)."""
    context = selectors.reply_context(ticket)
    return coverage.check(
        context.since_last_reply,
        body,
        customer=customer_name(ticket),
        pinned=context.pinned,
        answered_by=context.earlier_replies,
    )


@contextmanager
def checking(
    agent: User, ticket: Ticket, body: str, *, send_anyway: bool, warned: bool = False
) -> Iterator[coverage.Coverage]:
    """Replies sent inside this block were checked first; see the module text.

    ``warned`` says the agent saw a warning on an earlier draft of this reply (the
    reply box carries it), so a reply that now passes is recorded as revised."""
    result = check_reply(ticket, body) if str(body or "").strip() else coverage.Coverage()
    if not result.answers and not send_anyway:
        raise ReplyMayNotAnswer(result.warning, details=result.as_dict())
    decision = SENT_ANYWAY if not result.answers else (REVISED if warned else "")
    token = _checked.set(Checked(agent, ticket.pk, result, decision) if decision else None)
    try:
        yield result
    finally:
        _checked.reset(token)


def checked() -> Checked | None:
    return _checked.get()
