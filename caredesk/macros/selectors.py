"""Reads the macro pages and the API share: the picker's search, one usable macro, and
the preview of what applying would do (nothing here writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from caredesk.accounts.models import User
from caredesk.core.errors import NotFound, PermissionDenied
from caredesk.macros import placeholders, rules, steps
from caredesk.macros.models import Macro
from caredesk.tickets.models import Ticket

PICKER_LIMIT = 20


def search(user: User, q: str, *, limit: int = PICKER_LIMIT) -> list[Macro]:
    """The usable macros whose title or text contains ``q``, most used first."""
    qs: QuerySet[Macro] = rules.usable_macros(user)
    words = "".join(ch for ch in (q or "") if ch.isprintable()).split()[:5]
    for word in words:
        word = word[:100]
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return list(qs.order_by("-use_count", "title", "id")[:limit])


def usable(actor: User, macro_id: int) -> Macro:
    """A macro ``actor`` may apply (also when switched off: applying says so); others
    are not found (they are not theirs to see)."""
    macro = rules.usable_macros(actor, with_inactive=True).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound("No such macro.")
    return macro


@dataclass(frozen=True)
class Preview:
    text: str
    changes: list[str]


def preview_macro(actor: User, case: Ticket, macro: Macro, now: datetime) -> Preview:
    """What applying would insert and change, without changing anything (a read)."""
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff can apply macros.")
    macro = usable(actor, macro.pk)
    context = placeholders.values(case, actor, now, promise_due=steps.promise_due(macro, now))
    text = placeholders.render(macro.body, context) if macro.body else ""
    return Preview(text=text, changes=[s.label for s in steps.plan(macro, case, actor, now)])
