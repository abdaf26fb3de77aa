"""The ``fields`` of case, customer and organization responses: the custom fields the
token's staff member sees, for a whole page in one read (docs/custom-fields.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from caredesk.accounts.models import User
from caredesk.customfields import selectors
from caredesk.customfields.validation import as_json


class WithFields(Protocol):
    id: int
    fields: dict[str, Any] | None


def add_fields(user: User, target: str, outs: Sequence[WithFields]) -> None:
    """Fill ``fields`` of each response (left null for customer tokens)."""
    if not user.is_agent_staff or not outs:
        return
    defs = selectors.visible_definitions(user, target)
    values = selectors.values_of(defs, [o.id for o in outs])
    for out in outs:
        mine = values.get(out.id, {})
        out.fields = {d.key: as_json(mine.get(d.key)) for d in defs}
