"""What a form or the API sends to create or change an automation, checked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from caredesk.accounts.models import Team
from caredesk.automations import conditions, steps
from caredesk.automations.kinds import EVENT_KINDS
from caredesk.automations.models import TimeState, Trigger
from caredesk.core.errors import DomainError
from caredesk.tickets.models import Status

MAX_NAME = 120
MAX_MINUTES = 366 * 24 * 60


@dataclass(frozen=True)
class AutomationData:
    name: str
    trigger: str = Trigger.EVENT
    events: list[str] = field(default_factory=list)
    time_state: str = ""
    time_status: str = ""
    time_minutes: int | None = None
    time_business: bool = False
    conditions: dict[str, Any] = field(default_factory=dict)
    actions: list[Any] = field(default_factory=list)
    active: bool = True


def check(data: AutomationData) -> AutomationData:
    name = " ".join((data.name or "").split())
    if not name:
        raise DomainError("Give the automation a name.", code="required")
    if len(name) > MAX_NAME:
        raise DomainError(f"The name is too long (limit {MAX_NAME} characters).", code="too_long")
    if "\x00" in name:
        raise DomainError("The name contains a NUL character.", code="invalid_text")
    if data.trigger not in Trigger.values:
        raise DomainError("Choose when the automation runs: on an event or after a time.")
    events: list[str] = []
    state, status, minutes, business = "", "", None, False
    if data.trigger == Trigger.EVENT:
        for kind in data.events:
            if kind not in EVENT_KINDS:
                raise DomainError(f"Unknown event “{str(kind)[:40]}”.", code="invalid_event")
            if kind not in events:
                events.append(kind)
        if not events:
            raise DomainError("Choose at least one event the automation follows.")
    else:
        state = data.time_state
        if state not in TimeState.values:
            raise DomainError("Choose the state the case stays in (a status, or unassigned).")
        if state == TimeState.STATUS:
            status = data.time_status
            if status not in Status.values or status == Status.MERGED:
                raise DomainError("Choose the status the case stays in.", code="invalid_status")
        minutes = data.time_minutes
        if minutes is None or not 1 <= minutes <= MAX_MINUTES:
            raise DomainError("Say how long, between 1 minute and a year.", code="invalid_time")
        business = data.time_business
    if not isinstance(data.conditions, dict):
        raise DomainError("The conditions must be an object.", code="invalid_condition")
    team_ids = set(Team.objects.values_list("pk", flat=True))
    cond = conditions.check(data.conditions, team_ids=team_ids)
    return replace(
        data,
        name=name,
        events=events,
        time_state=state,
        time_status=status,
        time_minutes=minutes,
        time_business=business,
        conditions=cond.as_dict(),
        actions=steps.check(data.actions),
    )
