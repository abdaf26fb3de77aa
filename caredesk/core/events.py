"""The event log: every action appends what happened, and apps above react.

``emit`` (one event) and ``emit_many`` (a batch, one INSERT) write :class:`Event` rows
inside the caller's transaction, then run the **reactions** registered for each kind in
``settings.CAREDESK_EVENT_REACTIONS`` — in the same transaction, each reaction once per
call with all the events of its kinds (docs/adr/0007-cross-app-reactions.md).
A reaction is how a higher app changes its own state when a lower one changes (a reply
keeps a promise, a customer message restarts the SLA clock) without the lower app
importing the higher one. Reactions are state changes, not side effects: they call the
owning app's actions and enqueue their own side effects after commit like any action.

After commit, the **consumers** in ``settings.CAREDESK_EVENT_CONSUMERS`` (webhooks,
automations) get the ids of the committed events; they run outside the transaction and
must be cheap (enqueue a task) — a failing consumer is logged and never undoes the change.

Both lists live in settings, so the wiring between layers is written down in one place
(docs/adr/0006-one-spine.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from caredesk.core.clock import require_aware
from caredesk.core.effects import after_commit
from caredesk.core.models import Event

log = logging.getLogger(__name__)

MAX_KIND = 60


@dataclass
class Emitted:
    """An event as reactions see it: the saved row plus the object it is about, when the
    emitter had it in hand (so a reaction does not read it again). ``subject`` is never
    stored."""

    event: Event
    subject: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Any:
        """The person who acted, when the emitter had them in hand (``extra["actor"]``)."""
        return self.extra.get("actor")

    @property
    def kind(self) -> str:
        return self.event.kind


Reaction = Callable[[list[Emitted]], object]


def new_event(
    kind: str,
    *,
    now: datetime,
    ticket_id: int | None = None,
    actor_id: int | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    """An unsaved event (for :func:`emit_many`)."""
    if not kind or len(kind) > MAX_KIND or "." not in kind:
        raise ValueError(f"event kind must look like 'case.created', got {kind!r}")
    return Event(
        kind=kind,
        ticket_id=ticket_id,
        actor_id=actor_id,
        actor_label=actor_label[:200],
        data=data or {},
        created_at=require_aware(now, "now"),
    )


def emit(
    kind: str,
    *,
    now: datetime,
    ticket_id: int | None = None,
    actor_id: int | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
    subject: Any = None,
) -> Event:
    """Append one event and run its reactions. Call inside the action's transaction."""
    event = new_event(
        kind, now=now, ticket_id=ticket_id, actor_id=actor_id, actor_label=actor_label, data=data
    )
    emit_many([Emitted(event, subject)])
    return event


def emit_many(emitted: Sequence[Emitted]) -> None:
    """Append unsaved events in one INSERT, then run the reactions, then hand the ids to
    the consumers after commit.

    Each reaction runs **once per call**, with every event of the kinds it is wired for,
    in order: an action that emits several events at once (a reply that also assigns
    and changes the status; a batch of new cases) reaches a reaction once, so it can
    work on the whole batch with a few statements and decide from all of it."""
    if not emitted:
        return
    Event.objects.bulk_create([e.event for e in emitted])
    for reaction, group in _groups(emitted):
        reaction(group)
    ids = [e.event.pk for e in emitted]
    for consumer in consumers():
        after_commit(consumer, ids)


def _groups(emitted: Sequence[Emitted]) -> list[tuple[Reaction, list[Emitted]]]:
    """Each reaction wired for these events with its events (in order), in the order the
    reactions are first needed, and for one event in the order settings list them."""
    groups: dict[Reaction, list[Emitted]] = {}
    for e in emitted:
        for reaction in reactions_for(e.kind):
            group = groups.setdefault(reaction, [])
            if not group or group[-1] is not e:  # wired for the kind and for "*"
                group.append(e)
    return list(groups.items())


def reactions_for(kind: str) -> list[Reaction]:
    table = _reactions()
    return [*table.get(kind, ()), *table.get("*", ())]


@cache
def _reactions() -> dict[str, list[Reaction]]:
    wiring: dict[str, Iterable[str]] = getattr(settings, "CAREDESK_EVENT_REACTIONS", {})
    return {kind: [import_string(path) for path in paths] for kind, paths in wiring.items()}


@cache
def consumers() -> list[Callable[[list[int]], object]]:
    return [import_string(p) for p in getattr(settings, "CAREDESK_EVENT_CONSUMERS", [])]


def reset_wiring() -> None:
    """Forget the imported wiring (tests that override the settings call this)."""
    _reactions.cache_clear()
    consumers.cache_clear()
