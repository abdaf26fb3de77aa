"""Required-on-status: a case does not enter a status while a field required on it is empty.

Wired as a reaction (``settings.CAREDESK_EVENT_REACTIONS``, docs/adr/0007) on
``status.changed`` and ``case.reopened`` (the verb of resolved -> closed): it runs in the
status change's transaction and its refusal rolls the whole change back, so every way a
case changes status (the status form, a reply that resolves, bulk actions, macros, the
API) is checked once, and tickets never names this app. Only staff are refused: a
customer confirming their case solved, and caredesk closing it when nobody answered, are
not held up by a field the customer cannot see (docs/custom-fields.md).
"""

from __future__ import annotations

from caredesk.core.errors import InvalidInput
from caredesk.core.events import Emitted
from caredesk.customfields import selectors
from caredesk.customfields.actions import missing_required
from caredesk.customfields.models import FieldDefinition, Target


def required_fields(group: list[Emitted]) -> None:
    changes = [
        e
        for e in group
        if e.event.data.get("field") == "status"
        and e.subject is not None
        and e.actor is not None
        and getattr(e.actor, "is_agent_staff", False)
    ]
    if not changes:
        return
    defs = list(
        FieldDefinition.objects.filter(target=Target.CASE, is_active=True)
        .exclude(required_on=[])
        .prefetch_related("teams")
    )
    if not defs:
        return
    for e in changes:
        status = str(e.event.data.get("new"))
        wanted = [d for d in defs if status in d.required_on]
        if not wanted:
            continue
        ticket = e.subject
        values = selectors.values_of(wanted, [ticket.pk]).get(ticket.pk, {})
        missing = missing_required(wanted, values, status, ticket.team_id)
        if missing:
            names = ", ".join(d.label for d in missing)
            raise InvalidInput(
                f"Fill in {names} before the case is {status}"
                f" ({'it is' if len(missing) == 1 else 'they are'} required then).",
                field=missing[0].key,
                code="required_field",
            )
