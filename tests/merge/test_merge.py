"""Merging a duplicate into another case: what moves, the pointer, audit on both, the
customer's notice, and the refusals (itself, a merged case, across customers unconfirmed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.models import Event, OutboundEmail
from caredesk.escalations.actions import do_escalate
from caredesk.escalations.models import Escalation, EscalationStatus
from caredesk.promises.actions import PromiseDraft, do_make_promise
from caredesk.promises.models import Promise
from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.merge import do_merge_cases, final_target
from caredesk.tickets.models import Channel, Message, SearchEntry, Status, Ticket


def open_case(customer, now, subject="Parcel never arrived", body="Where is parcel 4711?", **kw):
    return actions.do_open_ticket(
        customer=customer, subject=subject, body=body, channel=Channel.PORTAL, now=now, **kw
    )


@pytest.fixture
def pair(desk, now):
    target = open_case(desk.alice, now)
    source = open_case(
        desk.alice,
        now + timedelta(minutes=5),
        subject="Parcel 4711 again",
        body="Still no parcel 4711",
        files=[IncomingFile("photo.png", b"\x89PNG fake", "image/png")],
    )
    actions.do_reply(source, agent=desk.agent, body="Looking into it.", now=now)
    return source, target


def test_merge_moves_messages_attachments_and_search_entries(desk, now, pair):
    source, target = pair
    result = do_merge_cases(source, target, actor=desk.agent, now=now + timedelta(hours=1))
    assert result.moved_messages == 2 and not result.across_customers
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Status.MERGED and source.merged_into == target
    assert source.message_count == 0 and not source.messages.exists()
    assert target.message_count == 3 == target.messages.count()
    moved = target.messages.get(body="Still no parcel 4711")
    assert moved.origin_ticket == source
    assert moved.attachments.get().filename == "photo.png"
    entry = SearchEntry.objects.get(message=moved)
    assert entry.ticket_id == target.pk and entry.public


def test_merge_is_audited_on_both_cases_and_emits_events(desk, now, pair):
    source, target = pair
    do_merge_cases(source, target, actor=desk.agent, now=now, note="Same parcel")
    merged = source.events.get(verb="merged")
    assert merged.actor == desk.agent and merged.public
    assert merged.note == f"Merged into {target.reference}."
    assert target.events.get(verb="merged_in").note == "Same parcel"
    assert merged.new_value["target"]["case"] == target.reference
    assert target.events.get(verb="merged_in").new_value["source"]["id"] == source.pk
    kinds = set(
        Event.objects.filter(ticket_id__in=[source.pk, target.pk]).values_list("kind", flat=True)
    )
    assert {"case.merged", "case.merge_received"} <= kinds


def test_merge_tells_the_customer_by_outbox_mail(desk, now, pair):
    source, target = pair
    do_merge_cases(source, target, actor=desk.agent, now=now)
    mail = OutboundEmail.objects.get(ticket_id=source.pk, subject__contains="joined")
    assert mail.to == "alice@acme.test"
    assert source.reference in mail.subject and target.reference in mail.text
    assert mail.headers.get("Auto-Submitted") == "auto-generated"


def test_merge_moves_promises_through_the_promises_reaction(desk, now, pair):
    source, target = pair
    draft = PromiseDraft(
        kind="update", text="I will call the courier", due_at=now + timedelta(days=1)
    )
    promise = do_make_promise(source, actor=desk.agent, draft=draft, now=now)
    do_merge_cases(source, target, actor=desk.agent, now=now)
    promise.refresh_from_db()
    source.refresh_from_db()
    target.refresh_from_db()
    assert promise.ticket_id == target.pk
    assert target.next_promise_due_at == promise.due_at and source.next_promise_due_at is None
    assert target.events.filter(verb="promises_moved").exists()
    assert Promise.objects.filter(ticket=source).count() == 0


def test_merged_case_stops_its_clocks_and_leaves_the_open_lists(desk, now, pair):
    source, target = pair
    do_merge_cases(source, target, actor=desk.agent, now=now)
    source.refresh_from_db()
    assert source.next_deadline_at is None and source.sla_alarm_at is None
    assert not source.is_open


def test_merge_into_itself_is_refused(desk, now, pair):
    source, _ = pair
    with pytest.raises(DomainError) as info:
        do_merge_cases(source, source, actor=desk.agent, now=now)
    assert info.value.code == "merge_into_itself"


def test_merging_a_merged_case_is_refused_and_nothing_changes(desk, now, pair):
    source, target = pair
    third = open_case(desk.alice, now, subject="Third")
    do_merge_cases(source, target, actor=desk.agent, now=now)
    with pytest.raises(Conflict) as info:
        do_merge_cases(source, third, actor=desk.agent, now=now)
    assert info.value.code == "already_merged" and target.reference in info.value.message
    with pytest.raises(Conflict) as info:
        do_merge_cases(third, source, actor=desk.agent, now=now)
    assert info.value.code == "target_merged"
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk
    assert Ticket.objects.get(pk=third.pk).status == Status.NEW


def test_a_chain_of_merges_ends_on_the_last_target(desk, now, pair):
    source, target = pair
    last = open_case(desk.alice, now, subject="Last")
    do_merge_cases(source, target, actor=desk.agent, now=now)
    do_merge_cases(target, last, actor=desk.agent, now=now)
    assert final_target(Ticket.objects.get(pk=source.pk)) == last
    moved = Message.objects.get(body="Still no parcel 4711")
    assert moved.ticket_id == last.pk and moved.origin_ticket_id == source.pk


def test_merge_across_customers_needs_confirmation(desk, now, pair):
    _, target = pair
    bobs = open_case(desk.bob, now, subject="My parcel", body="Bob's words 8812")
    with pytest.raises(Conflict) as info:
        do_merge_cases(bobs, target, actor=desk.agent, now=now)
    assert info.value.code == "confirm_other_customer"
    bobs.refresh_from_db()
    assert bobs.status == Status.NEW and bobs.messages.count() == 1
    assert not bobs.events.filter(verb="merged").exists()
    result = do_merge_cases(bobs, target, actor=desk.agent, now=now, confirm_other_customer=True)
    assert result.across_customers
    moved = target.messages.get(body="Bob's words 8812")
    assert not SearchEntry.objects.get(message=moved).public  # staff search only
    assert not target.events.get(verb="merged_in").public
    notice = OutboundEmail.objects.get(ticket_id=bobs.pk, subject__contains="joined")
    assert notice.to == "bob@small.test" and target.reference not in notice.text


def test_customers_cannot_merge_and_closed_targets_refuse(desk, now, pair):
    source, target = pair
    with pytest.raises(PermissionDenied):
        do_merge_cases(source, target, actor=desk.alice.user, now=now)
    actions.do_change_status(target, actor=desk.agent, status=Status.CLOSED, now=now)
    with pytest.raises(Conflict) as info:
        do_merge_cases(source, target, actor=desk.agent, now=now)
    assert info.value.code == "target_closed"


def test_a_merged_case_takes_no_writes_and_no_status(desk, now, pair):
    source, target = pair
    do_merge_cases(source, target, actor=desk.agent, now=now)
    with pytest.raises(Conflict):
        actions.do_add_customer_message(
            source, customer=desk.alice, body="hi", channel=Channel.PORTAL, now=now
        )
    with pytest.raises(Conflict):
        actions.do_reply(source, agent=desk.agent, body="hi", now=now)
    with pytest.raises(Conflict):
        actions.do_change_status(source, actor=desk.agent, status=Status.OPEN, now=now)
    with pytest.raises(DomainError):
        actions.do_change_status(target, actor=desk.agent, status=Status.MERGED, now=now)


def test_hostile_note_is_refused_when_oversized_and_kept_verbatim_otherwise(desk, now, pair):
    source, target = pair
    with pytest.raises(DomainError) as info:
        do_merge_cases(source, target, actor=desk.agent, now=now, note="x" * 2001)
    assert info.value.code == "too_long"
    assert Ticket.objects.get(pk=source.pk).status != Status.MERGED
    hostile = "<script>alert(1)</script>"
    do_merge_cases(source, target, actor=desk.agent, now=now, note=hostile)
    assert target.events.get(verb="merged_in").note == hostile


def test_merge_costs_the_same_queries_however_many_messages_move(desk, now):
    def queries(replies: int) -> int:
        source, target = open_case(desk.alice, now), open_case(desk.alice, now)
        for i in range(replies):
            actions.do_reply(source, agent=desk.agent, body=f"reply {i}", now=now)
        with CaptureQueriesContext(connection) as ctx:
            do_merge_cases(source, target, actor=desk.agent, now=now)
        assert target.messages.count() == replies + 2
        return len(ctx.captured_queries)

    assert queries(1) == queries(20)


def test_merge_carries_the_sources_tags_to_the_target(desk, now, pair):
    source, target = pair
    actions.do_set_tags(source, actor=desk.agent, names=["courier", "vip-watch"], now=now)
    actions.do_set_tags(target, actor=desk.agent, names=["courier", "refund"], now=now)
    do_merge_cases(source, target, actor=desk.agent, now=now)
    assert sorted(target.tags.values_list("name", flat=True)) == ["courier", "refund", "vip-watch"]
    change = target.events.filter(verb="tags_changed").latest("id")
    assert change.new_value == ["courier", "refund", "vip-watch"]
    assert sorted(source.tags.values_list("name", flat=True)) == ["courier", "vip-watch"]


def test_an_open_escalation_follows_its_case_into_the_target(desk, now, pair):
    source, target = pair
    raised = do_escalate(
        source, actor=desk.agent, source="agent", reason="Customer threatens to leave", now=now
    ).escalation
    do_merge_cases(source, target, actor=desk.agent, now=now)
    raised.refresh_from_db()
    assert raised.ticket_id == target.pk and raised.status == EscalationStatus.OPEN
    assert raised.due_at is not None  # the decision is still owed, on the same deadline
    assert target.events.filter(verb="escalation_moved").exists()
    assert not Escalation.objects.filter(ticket=source, status=EscalationStatus.OPEN).exists()


def test_when_both_have_one_the_targets_escalation_carries_on(desk, now, pair):
    source, target = pair
    ours = do_escalate(
        source, actor=desk.agent, source="agent", reason="Wants a supervisor", now=now
    ).escalation
    theirs = do_escalate(
        target, actor=desk.agent, source="agent", reason="Refund over limit", now=now
    ).escalation
    do_merge_cases(source, target, actor=desk.agent, now=now)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.status == EscalationStatus.OPEN and theirs.ticket_id == target.pk
    assert ours.status == EscalationStatus.RESOLVED and ours.due_at is None
    assert target.reference in ours.resolution
    joined = target.events.get(verb="escalation_joined")
    assert "Wants a supervisor" in joined.note
    assert source.events.filter(verb="escalation_merged").exists()
