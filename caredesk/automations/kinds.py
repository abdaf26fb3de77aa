"""The case events an automation can follow (the real kinds of ``caredesk.core.events``;
docs/automations.md). Each is wired to the automations' reaction in settings."""

from __future__ import annotations

EVENT_KINDS: dict[str, str] = {
    "case.created": "A case is opened",
    "message.added": "The customer writes",
    "status.changed": "The status changes",
    "case.reopened": "A resolved case is reopened",
    "case.assigned": "The case is assigned",
    "priority.changed": "The priority changes",
    "tags.changed": "The tags change",
    "sla.warning": "An SLA target is close",
    "sla.breached": "An SLA target is missed",
    "promise.missed": "A promise is missed",
}

# The events that can move a case into or out of a time automation's state.
STATE_KINDS = ("case.created", "status.changed", "case.reopened", "case.assigned", "case.merged")
