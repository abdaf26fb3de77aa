"""An automation's actions: checked on input, then performed one by one through the
owning app's action (``actor=None``: caredesk itself, audited under the automation's
name). A step the action refuses is reported, never forced.

Stored as a list of dicts on the automation (``Automation.actions``), each with a
``kind``: ``assign`` (user_id and/or team_id), ``status``, ``priority`` (value),
``add_tags`` / ``remove_tags`` (tags), ``macro`` (macro_id: its case changes), ``notify``
(to: assignee / team_lead / user with user_id; text), ``mail`` (body: a restricted
template with the macros' placeholders, mailed to the customer through the outbox),
``webhook`` (endpoint_id: one of the desk's webhook endpoints; the webhooks channel
delivers the call, signed and retried like any event: docs/automations.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from caredesk.accounts.models import Team, User
from caredesk.automations import notices
from caredesk.core import events, notifications
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import DomainError
from caredesk.core.text import clean_body
from caredesk.macros import placeholders
from caredesk.macros.models import Macro, Scope
from caredesk.promises import tasks as promise_tasks
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Priority, Status, Ticket

MAX_STEPS = 10
MAX_NOTE = 1000
KINDS: dict[str, str] = {
    "assign": "Assign to a person or team",
    "status": "Set the status",
    "priority": "Set the priority",
    "add_tags": "Add tags",
    "remove_tags": "Remove tags",
    "macro": "Apply a macro's case changes",
    "notify": "Notify someone",
    "mail": "Mail the customer",
    "webhook": "Call a webhook",
}
# The event a webhook step emits; the webhooks channel delivers it to that one endpoint.
WEBHOOK_CALL = "automation.webhook"
NOTIFY_TO = ("assignee", "team_lead", "user")
MAIL_SIGNATURE = "The support team"


def _user(value: Any) -> User | None:
    return User.objects.filter(pk=int(value)).first() if value else None


def _team(value: Any) -> Team | None:
    return Team.objects.filter(pk=int(value)).first() if value else None


def _refuse(message: str, code: str = "invalid_action") -> DomainError:
    return DomainError(message, code=code)


def _int(value: Any, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise _refuse(f"{what} is not an id.") from None
    if pk <= 0:
        raise _refuse(f"{what} is not an id.")
    return pk


def webhook_targets() -> dict[int, str]:
    """The active webhook endpoints a step may call, by id: asked of the webhooks channel
    (above this app) through ``settings.CAREDESK_AUTOMATION_WEBHOOK_TARGETS``."""
    path = getattr(settings, "CAREDESK_AUTOMATION_WEBHOOK_TARGETS", "")
    return dict(import_string(path)()) if path else {}


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or len(value) > 20:
        raise _refuse("Tags are a list of at most 20.")
    tags = ticket_actions.normalize_tags(str(v) for v in value)
    if not tags:
        raise _refuse("Name at least one tag.")
    return tags


def _check_one(raw: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(raw.get("kind") or "")
    if kind not in KINDS:
        raise _refuse(f"Unknown action “{kind[:40]}”; choose from: {', '.join(KINDS)}.")
    if kind == "assign":
        user_id = _int(raw.get("user_id"), "The person to assign")
        team_id = _int(raw.get("team_id"), "The team to assign")
        if user_id is None and team_id is None:
            raise _refuse("Assign names a person, a team, or both.")
        if user_id is not None and not User.objects.filter(pk=user_id, is_active=True).exists():
            raise _refuse(f"There is no active staff member with id {user_id}.")
        if team_id is not None and not Team.objects.filter(pk=team_id).exists():
            raise _refuse(f"There is no team with id {team_id}.")
        return {"kind": kind, "user_id": user_id, "team_id": team_id}
    if kind in ("status", "priority"):
        value = str(raw.get("value") or "").strip()
        allowed = [s for s in Status.values if s != Status.MERGED] if kind == "status" else None
        allowed = allowed or Priority.values
        if value not in allowed:
            raise _refuse(f"Unknown {kind} “{value[:40]}”; choose from: {', '.join(allowed)}.")
        return {"kind": kind, "value": value}
    if kind in ("add_tags", "remove_tags"):
        return {"kind": kind, "tags": _tags(raw.get("tags"))}
    if kind == "macro":
        macro_id = _int(raw.get("macro_id"), "The macro")
        macro = Macro.objects.filter(pk=macro_id).first() if macro_id else None
        if macro is None or macro.scope == Scope.PERSONAL:
            raise _refuse("Choose a shared macro (a personal one belongs to one agent).")
        return {"kind": kind, "macro_id": macro_id}
    if kind == "notify":
        to = str(raw.get("to") or "")
        if to not in NOTIFY_TO:
            raise _refuse(f"Notify whom? Choose from: {', '.join(NOTIFY_TO)}.")
        user_id = _int(raw.get("user_id"), "The person to notify") if to == "user" else None
        if to == "user" and (
            user_id is None or not User.objects.filter(pk=user_id, is_active=True).exists()
        ):
            raise _refuse("Choose the staff member to notify.")
        text = " ".join(str(raw.get("text") or "").split())
        if len(text) > MAX_NOTE:
            raise _refuse(f"The notice is too long (limit {MAX_NOTE:,} characters).")
        return {"kind": kind, "to": to, "user_id": user_id, "text": text}
    if kind == "webhook":
        endpoint_id = _int(raw.get("endpoint_id"), "The webhook")
        if endpoint_id is None or endpoint_id not in webhook_targets():
            raise _refuse("Choose an active webhook endpoint (Settings → Webhooks).")
        return {"kind": kind, "endpoint_id": endpoint_id}
    body = placeholders.check_body(str(raw.get("body") or ""))
    if not body:
        raise _refuse("Write the mail to send.")
    return {"kind": kind, "body": body}


def check(raw: Sequence[Any]) -> list[dict[str, Any]]:
    """The actions as stored, or a refusal saying which one is wrong."""
    if not isinstance(raw, list | tuple):
        raise _refuse("The actions must be a list.")
    if not raw:
        raise _refuse("Give the automation at least one action.")
    if len(raw) > MAX_STEPS:
        raise _refuse(f"At most {MAX_STEPS} actions.")
    checked = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise _refuse(f"Action {n} is not an object with a kind.")
        try:
            checked.append(_check_one(item))
        except DomainError as error:
            raise DomainError(f"Action {n}: {error.message}", code=error.code) from None
    return checked


def describe(step: Mapping[str, Any]) -> str:
    """One line for lists and the log (plain text; templates escape it)."""
    kind = step.get("kind", "")
    if kind in ("status", "priority"):
        return f"Set {kind} to {step.get('value')}"
    if kind in ("add_tags", "remove_tags"):
        sign = "+" if kind == "add_tags" else "-"
        return "Tags " + ", ".join(sign + t for t in step.get("tags", []))
    if kind == "assign":
        user, team = _user(step.get("user_id")), _team(step.get("team_id"))
        names = [x for x in (user.display_name if user else "", team.name if team else "") if x]
        return "Assign to " + (" / ".join(names) or "someone no longer here")
    if kind == "macro":
        macro = Macro.objects.filter(pk=int(step.get("macro_id") or 0)).first()
        return f"Apply macro “{macro.title}”" if macro else "Apply a deleted macro"
    if kind == "notify":
        return f"Notify {str(step.get('to', '')).replace('_', ' ')}"
    if kind == "mail":
        return "Mail the customer"
    if kind == "webhook":
        target = webhook_targets().get(int(step.get("endpoint_id") or 0))
        return f"Call webhook “{target}”" if target else "Call a webhook no longer active"
    return kind


# --- performing ----------------------------------------------------------------------


def _assign(ticket: Ticket, step: Mapping[str, Any], now: datetime) -> str:
    user, team = _user(step.get("user_id")), _team(step.get("team_id"))
    if (step.get("user_id") and user is None) or (step.get("team_id") and team is None):
        raise DomainError("The person or team to assign no longer exists.", code="gone")
    if team is None and user is not None:
        team = ticket.team
        if team is not None and not user.teams.filter(pk=team.pk).exists():
            team = None
    ticket_actions.do_assign(ticket, actor=None, assignee=user, team=team, now=now)
    return describe(step)


def _macro(ticket: Ticket, step: Mapping[str, Any], now: datetime) -> list[str]:
    macro = Macro.objects.filter(pk=int(step.get("macro_id") or 0), active=True).first()
    if macro is None:
        raise DomainError("The macro is deleted or switched off.", code="macro_inactive")
    if macro.promise_kind or macro.assign_to_me:
        raise DomainError(
            "This macro makes a promise or assigns whoever applies it; only a person can.",
            code="needs_person",
        )
    plan: list[dict[str, Any]] = []
    if macro.set_assignee_id or macro.set_team_id:
        plan.append(
            {"kind": "assign", "user_id": macro.set_assignee_id, "team_id": macro.set_team_id}
        )
    if macro.set_priority:
        plan.append({"kind": "priority", "value": macro.set_priority})
    if macro.add_tags:
        plan.append({"kind": "add_tags", "tags": list(macro.add_tags)})
    if macro.remove_tags:
        plan.append({"kind": "remove_tags", "tags": list(macro.remove_tags)})
    if macro.set_status:
        plan.append({"kind": "status", "value": macro.set_status})
    for inner in plan:
        perform(ticket, inner, now, name=macro.title, machine=False)
    return [f"Macro “{macro.title}”: {describe(s)}" for s in plan]


def _notify(ticket: Ticket, step: Mapping[str, Any], now: datetime, name: str) -> str:
    to = step.get("to")
    if to == "assignee":
        recipient = ticket.assignee
    elif to == "team_lead":
        recipient = ticket.team.lead if ticket.team is not None else None
    else:
        found = _user(step.get("user_id"))
        recipient = found if found is not None and found.is_active else None
    if recipient is None:
        raise DomainError(f"Nobody to notify (no {str(to).replace('_', ' ')}).", code="nobody")
    sent = notifications.notify(
        recipient,
        notices.KIND,
        subject=notifications.one_line(f"{name}: {ticket.reference} {ticket.subject}", 200),
        body=str(step.get("text") or ""),
        now=now,
        ticket_id=ticket.pk,
    )
    if sent is None:
        raise DomainError(f"{recipient.display_name} cannot be notified.", code="nobody")
    return f"Notified {recipient.display_name}"


def _mail(ticket: Ticket, step: Mapping[str, Any], now: datetime, machine: bool) -> str:
    if ticket.from_machine or machine:
        raise DomainError(
            "Machine mail (an auto-reply, bounce or list) is never answered automatically.",
            code="machine_mail",
        )
    if not ticket.customer.primary_email:
        raise DomainError("The customer has no mail address.", code="no_address")
    signer = ticket.assignee or User(name=ticket.team.name if ticket.team else MAIL_SIGNATURE)
    context = placeholders.values(ticket, signer, now)
    text = placeholders.render(str(step.get("body") or ""), context)
    body = clean_body(text, max_chars=placeholders.MAX_BODY, field="mail")
    message = ticket_actions.do_post_system_reply(ticket, body=body, now=now)
    # The public message on the case, mailed once after commit (Auto-Submitted, threaded).
    enqueue_after_commit(promise_tasks.send_customer_update, message.pk)
    return "Mailed the customer"


def _webhook(ticket: Ticket, step: Mapping[str, Any], now: datetime, name: str) -> str:
    endpoint_id = int(step.get("endpoint_id") or 0)
    target = webhook_targets().get(endpoint_id)
    if target is None:
        raise DomainError("The webhook endpoint is deleted or switched off.", code="gone")
    events.emit(
        WEBHOOK_CALL,
        now=now,
        ticket_id=ticket.pk,
        actor_label=f"Automation: {name}"[:200],
        data={
            "endpoint_id": endpoint_id,
            "automation": name,
            "case": {
                "subject": ticket.subject,
                "status": ticket.status,
                "priority": ticket.priority,
                "channel": ticket.channel,
                "team_id": ticket.team_id,
                "assignee_id": ticket.assignee_id,
                "customer_id": ticket.customer_id,
            },
        },
    )
    return f"Called webhook “{target}”"


def perform(
    ticket: Ticket, step: Mapping[str, Any], now: datetime, *, name: str, machine: bool
) -> str | list[str]:
    """Do one step on ``ticket`` (fresh, locked by the caller's transaction); what it did."""
    kind = step.get("kind")
    if kind == "assign":
        return _assign(ticket, step, now)
    if kind == "status":
        ticket_actions.do_change_status(ticket, actor=None, status=str(step["value"]), now=now)
    elif kind == "priority":
        ticket_actions.do_change_priority(ticket, actor=None, priority=str(step["value"]), now=now)
    elif kind in ("add_tags", "remove_tags"):
        tags = list(step.get("tags") or [])
        add, remove = (tags, []) if kind == "add_tags" else ([], tags)
        ticket_actions.do_change_tags(ticket, actor=None, add=add, remove=remove, now=now)
    elif kind == "macro":
        return _macro(ticket, step, now)
    elif kind == "notify":
        return _notify(ticket, step, now, name)
    elif kind == "mail":
        return _mail(ticket, step, now, machine)
    elif kind == "webhook":
        return _webhook(ticket, step, now, name)
    else:
        raise DomainError(f"Unknown action {str(kind)[:40]!r}.", code="invalid_action")
    return describe(step)
