"""Plain-language lines for audit events on the case timeline ("who did what, old → new")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caredesk.tickets.models import AuditEvent, Priority, Status

_LABELS: dict[str, dict[str, str]] = {
    "status": dict(Status.choices),
    "priority": dict(Priority.choices),
}


def _value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return gettext("none")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if "assignee" in value or "team" in value:
            who = value.get("assignee") or gettext("nobody")
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


_WHAT: dict[str, Any] = {
    "status_changed": _("changed the status"),
    "reopened": _("reopened the case"),
    "assigned": _("reassigned the case"),
    "priority_changed": _("changed the priority"),
    "tags_changed": _("changed the tags"),
    "sla_warning": _("warned: a service-level target is close"),
    "sla_breached": _("recorded a missed service-level target"),
    "promise_made": _("made a promise"),
    "promise_missed": _("recorded a missed promise"),
    "promise_renegotiated": _("moved a promise and told the customer"),
    "promise_reminder": _("reminded the owner of a promise"),
    "promise_update_sent": _("sent the customer an honest update on a missed promise"),
    "promise_cancelled": _("withdrew a promise"),
    "call_logged": _("logged a call"),
    "escalated": _("escalated the case"),
    "escalation_raised": _("raised the escalation"),
    "escalation_joined": _("added to the open escalation"),
    "escalation_stepped_up": _("moved the escalation up a level"),
    "escalation_answered": _("answered the escalation"),
    "escalation_closed": _("closed the escalation: the problem it was about is solved"),
    "escalation_moved": _("brought the open escalation of a merged case here"),
    "escalation_merged": _("closed the escalation: the case was merged into another"),
    "approval_requested": _("asked for approval"),
    "approval_decided": _("decided an approval request"),
    "approval_stepped_up": _("moved an approval request up a level"),
    "goodwill_applied": _("applied a goodwill action"),
    "customer_told_decision": _("told the customer the decision"),
    "conversation_ended": _("ended an abusive conversation"),
    "message_flagged": _("flagged a message as abusive"),
    "message_unflagged": _("unflagged a message"),
    "feedback_left": _("recorded feedback about an agent"),
    "complaint_reviewed": _("reviewed a complaint"),
    "email_bounced": _("recorded a bounced email"),
    "thread_hint_refused": _("refused an email that claimed to belong here"),
    "resolution_confirmed": _("confirmed the resolution: solved"),
    "resolution_rejected": _("answered that the case is not solved"),
    "resolution_unconfirmed": _('closed the case: no answer to "Is this solved?"'),
    "follow_up_opened": _("opened this case as a follow-up"),
    "followed_up": _("opened a follow-up case"),
    "merged": _("merged this case into another"),
    "merged_in": _("merged a duplicate case into this one"),
    "split": _("split a message off into a new case"),
    "split_from": _("opened this case from a message of another"),
    "linked": _("linked cases"),
    "unlinked": _("removed a link between cases"),
    "children_resolved": _("resolved the problem's incidents"),
    "sla_update_sent": _("sent the customer an honest update on a missed target"),
    "offer_made": _("made an offer"),
    "offer_accepted": _("recorded the offer accepted"),
    "offer_declined": _("recorded the offer declined"),
}


def describe_event(event: AuditEvent) -> tuple[str, str]:
    """(what happened, "old → new" or "") for one audit event."""
    verb = event.verb
    if verb == "created":
        channel = (
            (event.new_value or {}).get("channel", "") if isinstance(event.new_value, dict) else ""
        )
        if channel:
            return (gettext("opened the case via %(channel)s") % {"channel": channel}, "")
        return (gettext("opened the case"), "")
    if verb == "reply_coverage" and isinstance(event.new_value, dict):
        if event.new_value.get("decision") == "sent_anyway":
            return (gettext("sent the reply anyway after a warning that it may not answer"), "")
        return (gettext("revised the reply after a warning until it answered"), "")
    if verb == "forwarded" and isinstance(event.new_value, dict):
        new = event.new_value
        last = new.get("include") == "last"
        notes = bool(new.get("internal_notes"))
        to = ", ".join(str(a) for a in new.get("to") or [])
        if last:
            what = (
                gettext("forwarded the last message by mail, internal notes included")
                if notes
                else gettext("forwarded the last message by mail")
            )
        else:
            what = (
                gettext("forwarded the case by mail, internal notes included")
                if notes
                else gettext("forwarded the case by mail")
            )
        return (what, gettext("to %(addresses)s") % {"addresses": to})
    if verb == "macro_applied" and isinstance(event.new_value, dict):
        name = event.new_value.get("macro", "")
        return (gettext("applied the macro “%(name)s”") % {"name": name}, "")
    if verb == "automation_ran" and isinstance(event.new_value, dict):
        return _automation_ran(event.new_value)
    what = str(_WHAT[verb]) if verb in _WHAT else verb.replace("_", " ")
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
        gettext("refused: %(action)s (%(reason)s)")
        % {"action": r.get("action", ""), "reason": r.get("reason", "")}
        for r in new.get("refused") or []
        if isinstance(r, dict)
    ]
    if new.get("cause") == "time":
        ran = gettext("ran after some time")
    else:
        ran = gettext("ran on %(cause)s") % {"cause": new.get("cause", "")}
    return (ran, "; ".join([*done, *refused]) or gettext("nothing to do"))
