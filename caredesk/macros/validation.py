"""Checks on a macro as people type it (form, API). The same words on every channel."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from caredesk.accounts.models import Team, User
from caredesk.core.errors import DomainError
from caredesk.core.text import clean_line
from caredesk.customfields import actions as field_actions
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import Target
from caredesk.customfields.validation import as_json
from caredesk.macros.models import Scope
from caredesk.macros.placeholders import check_body
from caredesk.promises.validation import MAX_AHEAD, check_kind, check_text
from caredesk.tickets.actions import normalize_tags
from caredesk.tickets.models import SETTABLE_STATUSES, Priority

MAX_TITLE = 120
MAX_FIELDS = 20
MAX_DUE_MINUTES = int(MAX_AHEAD / timedelta(minutes=1)) - 1


@dataclass(frozen=True)
class MacroData:
    """Everything a macro is; checked by :func:`check_data` before any write."""

    title: str
    scope: str = Scope.PERSONAL
    team: Team | None = None
    body: str = ""
    set_status: str = ""
    set_priority: str = ""
    set_team: Team | None = None
    assign_to_me: bool = False
    set_assignee: User | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    promise_kind: str = ""
    promise_text: str = ""
    promise_due_minutes: int | None = None
    active: bool = True
    # Custom case fields: key -> raw value (checked against the field by check_data).
    set_fields: dict[str, Any] = field(default_factory=dict)


def _choice(value: str, choices: list[str], what: str) -> str:
    value = (value or "").strip()
    if value and value not in choices:
        raise DomainError(
            f"Unknown {what} {value!r}; use one of {', '.join(choices)}.", code=f"invalid_{what}"
        )
    return value


def _promise(data: MacroData) -> tuple[str, str, int | None]:
    given = [bool(data.promise_kind), bool((data.promise_text or "").strip())]
    given.append(data.promise_due_minutes is not None)
    if not any(given):
        return "", "", None
    if not all(given):
        raise DomainError(
            "A promise needs its kind, what is promised and when it is due.",
            code="incomplete_promise",
        )
    minutes = data.promise_due_minutes
    assert minutes is not None
    if not 1 <= minutes <= MAX_DUE_MINUTES:
        raise DomainError(
            f"The promise must be due between 1 minute and {MAX_DUE_MINUTES:,} minutes "
            "(a year) after the macro is applied.",
            code="invalid_due",
        )
    return check_kind(data.promise_kind), check_text(data.promise_text), minutes


def _fields(raw: Any) -> dict[str, Any]:
    """The custom case fields a macro sets, each value checked against its field (the
    applier's visibility is checked when it runs, by ``do_set_field_values``)."""
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise DomainError(
            "set_fields is an object of field keys and values.", code="invalid_fields"
        )
    if len(raw) > MAX_FIELDS:
        raise DomainError(f"A macro sets at most {MAX_FIELDS} fields.", code="invalid_fields")
    checked = field_actions.check_values(field_selectors.definitions(Target.CASE), raw)
    return {key: as_json(value) for key, (_, value) in sorted(checked.items())}


def check_data(data: MacroData) -> MacroData:
    title = clean_line(data.title or "", max_chars=MAX_TITLE, field="title")
    scope = _choice(data.scope, list(Scope.values), "scope")
    if not scope:
        raise DomainError("Choose who the macro is for.", code="invalid_scope")
    if scope == Scope.TEAM and data.team is None:
        raise DomainError("Choose the team this macro is for.", code="missing_team")
    team = data.team if scope == Scope.TEAM else None
    if data.assign_to_me and data.set_assignee is not None:
        raise DomainError(
            "Choose either 'assign to me' or an assignee, not both.", code="invalid_assignee"
        )
    if data.set_assignee is not None and not data.set_assignee.is_agent_staff:
        raise DomainError("Cases can only be assigned to active staff.", code="invalid_assignee")
    add, remove = normalize_tags(data.add_tags), normalize_tags(data.remove_tags)
    both = sorted(set(add) & set(remove))
    if both:
        raise DomainError(
            f"A tag cannot be both added and removed: {', '.join(both)}.", code="invalid_tags"
        )
    kind, text, minutes = _promise(data)
    checked = replace(
        data,
        title=title,
        scope=scope,
        team=team,
        body=check_body(data.body),
        set_status=_choice(data.set_status, [str(s) for s in SETTABLE_STATUSES], "status"),
        set_priority=_choice(data.set_priority, list(Priority.values), "priority"),
        assign_to_me=bool(data.assign_to_me),
        add_tags=add,
        remove_tags=remove,
        promise_kind=kind,
        promise_text=text,
        promise_due_minutes=minutes,
        active=bool(data.active),
        set_fields=_fields(data.set_fields),
    )
    changes = (
        checked.set_status,
        checked.set_priority,
        checked.set_team,
        checked.assign_to_me,
        checked.set_assignee,
        add,
        remove,
        kind,
        checked.set_fields,
    )
    if not checked.body and not any(changes):
        raise DomainError(
            "A macro needs reply text or at least one change to the case.", code="empty"
        )
    return checked
