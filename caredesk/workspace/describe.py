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


# Merge, split and links: the event's note names the cases (caredesk/tickets/merge.py).
_SAID_IN_THE_NOTE = frozenset(
    {
        "merged",
        "merged_in",
        "split",
        "split_from",
        "linked",
        "unlinked",
        "children_resolved",
        "escalation_moved",
        "escalation_merged",
    }
)


def describe_event(event: AuditEvent) -> tuple[str, str]:
    """(what happened, "old → new" or "") for one audit event."""
    verb = event.verb
    if verb == "created":
        channel = (
            (event.new_value or {}).get("channel", "") if isinstance(event.new_value, dict) else ""
        )
        return ("opened the case" + (f" via {channel}" if channel else ""), "")
    if verb == "reply_coverage" and isinstance(event.new_value, dict):
        if event.new_value.get("decision") == "sent_anyway":
            return ("sent the reply anyway after a warning that it may not answer", "")
        return ("revised the reply after a warning until it answered", "")
    if verb == "forwarded" and isinstance(event.new_value, dict):
        new = event.new_value
        what = "the last message" if new.get("include") == "last" else "the case"
        notes = ", internal notes included" if new.get("internal_notes") else ""
        to = ", ".join(str(a) for a in new.get("to") or [])
        return (f"forwarded {what} by mail{notes}", f"to {to}")
    if verb == "macro_applied" and isinstance(event.new_value, dict):
        return (f"applied the macro “{event.new_value.get('macro', '')}”", "")
    if verb == "automation_ran" and isinstance(event.new_value, dict):
        return _automation_ran(event.new_value)
    what = {
        "status_changed": "changed the status",
        "reopened": "reopened the case",
        "assigned": "reassigned the case",
        "priority_changed": "changed the priority",
        "tags_changed": "changed the tags",
        "sla_warning": "warned: a service-level target is close",
        "sla_breached": "recorded a missed service-level target",
        "promise_made": "made a promise",
        "promise_missed": "recorded a missed promise",
        "promise_renegotiated": "moved a promise and told the customer",
        "promise_reminder": "reminded the owner of a promise",
        "promise_update_sent": "sent the customer an honest update on a missed promise",
        "promise_cancelled": "withdrew a promise",
        "call_logged": "logged a call",
        "escalated": "escalated the case",
        "escalation_raised": "raised the escalation",
        "escalation_joined": "added to the open escalation",
        "escalation_stepped_up": "moved the escalation up a level",
        "escalation_answered": "answered the escalation",
        "escalation_closed": "closed the escalation: the problem it was about is solved",
        "escalation_moved": "brought the open escalation of a merged case here",
        "escalation_merged": "closed the escalation: the case was merged into another",
        "approval_requested": "asked for approval",
        "approval_decided": "decided an approval request",
        "approval_stepped_up": "moved an approval request up a level",
        "goodwill_applied": "applied a goodwill action",
        "customer_told_decision": "told the customer the decision",
        "conversation_ended": "ended an abusive conversation",
        "message_flagged": "flagged a message as abusive",
        "message_unflagged": "unflagged a message",
        "feedback_left": "recorded feedback about an agent",
        "complaint_reviewed": "reviewed a complaint",
        "email_bounced": "recorded a bounced email",
        "thread_hint_refused": "refused an email that claimed to belong here",
        "resolution_confirmed": "confirmed the resolution: solved",
        "resolution_rejected": "answered that the case is not solved",
        "resolution_unconfirmed": 'closed the case: no answer to "Is this solved?"',
        "follow_up_opened": "opened this case as a follow-up",
        "followed_up": "opened a follow-up case",
        "merged": "merged this case into another",
        "merged_in": "merged a duplicate case into this one",
        "split": "split a message off into a new case",
        "split_from": "opened this case from a message of another",
        "linked": "linked cases",
        "unlinked": "removed a link between cases",
        "children_resolved": "resolved the problem's incidents",
        "sla_update_sent": "sent the customer an honest update on a missed target",
        "offer_made": "made an offer",
        "offer_accepted": "recorded the offer accepted",
        "offer_declined": "recorded the offer declined",
    }.get(verb, verb.replace("_", " "))
    if verb in _SAID_IN_THE_NOTE:
        return (what, "")
    if event.field or event.old_value is not None or event.new_value is not None:
        change = f"{_value(event.field, event.old_value)} → {_value(event.field, event.new_value)}"
        return (what, change)
    return (what, "")


def _automation_ran(new: dict[str, Any]) -> tuple[str, str]:
    """An automation's run: what it did, and what the actions refused and why."""
    done = [str(d) for d in new.get("done") or []]
    refused = [
        f"refused: {r.get('action', '')} ({r.get('reason', '')})"
        for r in new.get("refused") or []
        if isinstance(r, dict)
    ]
    cause = "after some time" if new.get("cause") == "time" else f"on {new.get('cause', '')}"
    return (f"ran {cause}", "; ".join([*done, *refused]) or "nothing to do")
