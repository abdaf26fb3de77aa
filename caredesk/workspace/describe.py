"""Plain-language lines for audit events on the case timeline ("who did what, old → new")."""

from __future__ import annotations

from typing import Any

from caredesk.tickets.models import AuditEvent, Priority, Status

_LABELS: dict[str, dict[str, str]] = {
    "status": dict(Status.choices),
    "priority": dict(Priority.choices),
}


def _value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if "assignee" in value or "team" in value:
            who = value.get("assignee") or "nobody"
            team = value.get("team")
            return f"{who} ({team})" if team else str(who)
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return _LABELS.get(field, {}).get(str(value), str(value))


def describe_event(event: AuditEvent) -> tuple[str, str]:
    """(what happened, "old → new" or "") for one audit event."""
    verb = event.verb
    if verb == "created":
        channel = (
            (event.new_value or {}).get("channel", "") if isinstance(event.new_value, dict) else ""
        )
        return ("opened the case" + (f" via {channel}" if channel else ""), "")
    what = {
        "status_changed": "changed the status",
        "reopened": "reopened the case",
        "assigned": "reassigned the case",
        "priority_changed": "changed the priority",
        "tags_changed": "changed the tags",
    }.get(verb, verb.replace("_", " "))
    if event.field or event.old_value is not None or event.new_value is not None:
        change = f"{_value(event.field, event.old_value)} → {_value(event.field, event.new_value)}"
        return (what, change)
    return (what, "")
