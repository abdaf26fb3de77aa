"""The event log: every audited change appends a domain event in the same transaction,
and reactions wired in settings run inside it."""

from __future__ import annotations

import pytest
from django.db import transaction

from caredesk.core import events
from caredesk.core.models import Event
from caredesk.tickets.actions import do_change_priority, do_open_ticket, do_reply
from caredesk.tickets.audit import event_kind
from caredesk.tickets.models import Channel

seen: list[tuple[str, int | None]] = []


def remember(group: list[events.Emitted]) -> None:
    seen.extend((e.kind, e.event.ticket_id) for e in group)


def explode(group: list[events.Emitted]) -> None:
    raise RuntimeError("reaction failed")


def test_case_actions_append_events_in_order(desk, now):
    ticket = do_open_ticket(
        customer=desk.alice, subject="Broken", body="It broke.", channel=Channel.PORTAL, now=now
    )
    do_reply(ticket, agent=desk.agent, body="On it.", now=now)
    kinds = list(Event.objects.filter(ticket_id=ticket.pk).values_list("kind", flat=True))
    assert kinds[:2] == ["case.created", "message.added"]  # the case and its first message
    assert "case.assigned" in kinds
    request, reply = Event.objects.filter(ticket_id=ticket.pk, kind="message.added")
    assert request.data["new"]["kind"] == "customer" and request.actor_label == "Alice Acme"
    assert reply.data["new"]["kind"] == "reply"
    assert reply.actor_id == desk.agent.pk and reply.actor_label == "Ada Agent"
    assert reply.data["public"] is True


def test_event_names_of_audit_verbs():
    assert event_kind("promise_missed") == "promise.missed"
    assert event_kind("status_changed") == "status.changed"
    assert event_kind("created") == "case.created"
    assert event_kind("merged") == "case.merged"


def test_reactions_run_in_the_transaction_and_a_failure_undoes_the_change(desk, now, settings):
    ticket = do_open_ticket(
        customer=desk.alice, subject="Broken", body="It broke.", channel=Channel.PORTAL, now=now
    )
    seen.clear()
    settings.CAREDESK_EVENT_REACTIONS = {"priority.changed": [f"{__name__}.remember"]}
    do_change_priority(ticket, actor=desk.agent, priority="high", now=now)
    assert seen == [("priority.changed", ticket.pk)]

    settings.CAREDESK_EVENT_REACTIONS = {"priority.changed": [f"{__name__}.explode"]}
    with pytest.raises(RuntimeError):
        do_change_priority(ticket, actor=desk.agent, priority="urgent", now=now)
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    assert Event.objects.filter(kind="priority.changed").count() == 1


def test_events_are_append_only_and_named(desk, now):
    with transaction.atomic():
        event = events.emit("test.done", now=now)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="look like"):
        events.emit("nodot", now=now)
    with pytest.raises(ValueError):
        events.emit("x." + "y" * 80, now=now)


def test_a_reaction_runs_once_per_action_with_all_its_events(desk, now, settings):
    """A reply that also assigns the case and changes its status reaches a reaction wired
    for all three kinds once, with the three events in order: the SLA clocks are
    recomputed once, from the case as the reply left it."""
    ticket = do_open_ticket(
        customer=desk.alice, subject="Broken", body="It broke.", channel=Channel.PORTAL, now=now
    )
    calls.clear()
    settings.CAREDESK_EVENT_REACTIONS = {
        kind: [f"{__name__}.count_calls"]
        for kind in ("case.assigned", "status.changed", "message.added")
    }
    do_reply(ticket, agent=desk.agent, body="On it.", now=now)
    assert calls == [["case.assigned", "status.changed", "message.added"]]


calls: list[list[str]] = []


def count_calls(group: list[events.Emitted]) -> None:
    calls.append([e.kind for e in group])
