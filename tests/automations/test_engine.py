"""Automations on real case actions: conditions, actions with their audit, loop
protection, machine mail, time triggers in business time, and the dry run."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from caredesk.automations import actions as auto_actions
from caredesk.automations import selectors
from caredesk.automations.models import Run, Timer, Trigger
from caredesk.core import deadlines
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.core.models import Notification, OutboundEmail
from caredesk.macros.actions import do_create_macro
from caredesk.macros.validation import MacroData
from caredesk.sla.models import BusinessCalendar, SlaPolicy, WorkingHours
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Message, MessageKind, Status, Ticket

from .conftest import automate, open_case


def tags(case):
    return sorted(Ticket.objects.get(pk=case.pk).tags.values_list("name", flat=True))


def ran(case):
    return list(AuditEvent.objects.filter(ticket=case, verb="automation_ran").order_by("id"))


def test_an_event_automation_changes_the_case_through_the_actions_and_says_so(desk, now):
    automate(desk, now, conditions={"words": ["van"], "tiers": ["vip"]})
    case = open_case(desk, now)
    assert tags(case) == ["delivery"]
    change = AuditEvent.objects.get(ticket=case, verb="tags_changed")
    assert change.actor is None and change.actor_label == "Automation: Tag deliveries"
    [log] = ran(case)
    assert log.new_value["done"] == ["Tags +delivery"] and log.new_value["cause"] == "case.created"
    assert log.actor_label == "Automation: Tag deliveries"


def test_conditions_that_do_not_hold_do_nothing(desk, now):
    automate(desk, now, conditions={"tiers": ["vip"], "tags_none": ["delivery"]})
    bob = open_case(desk, now, customer=desk.bob)  # standard tier
    assert tags(bob) == [] and ran(bob) == []
    automate(desk, now, name="Phone", conditions={"channels": ["phone"]})
    alice = open_case(desk, now)
    assert tags(alice) == ["delivery"]  # the first one; not the phone one
    assert [e.new_value["automation"] for e in ran(alice)] == ["Tag deliveries"]


def test_words_look_in_the_customers_new_message(desk, now):
    automate(
        desk,
        now,
        name="Refund words",
        events=["message.added"],
        conditions={"words": ["refund"]},
        actions=[{"kind": "priority", "value": "high"}],
    )
    case = open_case(desk, now)
    actions.do_reply(case, agent=desk.agent, body="We will refund you", now=now)
    assert Ticket.objects.get(pk=case.pk).priority == "normal"  # a reply is not the customer
    actions.do_add_customer_message(
        case, customer=desk.alice, body="I want a REFUND now", channel=Channel.PORTAL, now=now
    )
    assert Ticket.objects.get(pk=case.pk).priority == "high"


def test_loop_protection_each_automation_fires_once_per_chain(desk, now):
    a = automate(
        desk,
        now,
        name="A tags urgent ones",
        events=["priority.changed"],
        actions=[{"kind": "add_tags", "tags": ["urgent"]}, {"kind": "priority", "value": "low"}],
    )
    b = automate(
        desk,
        now,
        name="B raises tagged ones",
        events=["tags.changed"],
        actions=[{"kind": "priority", "value": "urgent"}],
    )
    case = open_case(desk, now)
    actions.do_change_priority(case, actor=desk.agent, priority="high", now=now)
    assert Run.objects.filter(automation=a).count() == 1
    assert Run.objects.filter(automation=b).count() == 1
    # A: +urgent (B fires: priority urgent; A is in the chain, quiet), then A sets low.
    final = Ticket.objects.get(pk=case.pk)
    assert tags(case) == ["urgent"] and final.priority == "low"
    # A new change by a person is a new chain: both may fire again.
    actions.do_change_priority(case, actor=desk.agent, priority="high", now=now)
    assert Run.objects.filter(automation=a).count() == 2


def test_a_refused_action_is_logged_and_the_others_still_happen(desk, now):
    automate(
        desk,
        now,
        actions=[
            {"kind": "notify", "to": "assignee", "text": "New one"},
            {"kind": "add_tags", "tags": ["delivery"]},
        ],
    )
    case = open_case(desk, now)  # unassigned: nobody to notify
    [log] = ran(case)
    assert log.new_value["done"] == ["Tags +delivery"]
    assert log.new_value["refused"][0]["reason"].startswith("Nobody to notify")
    assert Run.objects.get().outcome == "partly"


def test_assign_notify_and_macro_actions(desk, now):
    macro = do_create_macro(
        actor=desk.lead,
        data=MacroData(
            title="Escalate VIP", scope="global", set_priority="urgent", add_tags=["vip"]
        ),
        now=now,
    )
    automate(
        desk,
        now,
        name="VIP route",
        actions=[
            {"kind": "assign", "user_id": desk.agent.pk},
            {"kind": "macro", "macro_id": macro.pk},
            {"kind": "notify", "to": "team_lead", "text": "A VIP wrote"},
        ],
    )
    case = open_case(desk, now)
    fresh = Ticket.objects.get(pk=case.pk)
    assert fresh.assignee == desk.agent and fresh.team == desk.billing
    assert fresh.priority == "urgent" and tags(case) == ["vip"]
    note = Notification.objects.get(recipient_id=desk.lead.pk, kind="automation")
    assert "VIP route" in note.subject and note.ticket_id == case.pk
    assigned = AuditEvent.objects.get(ticket=case, verb="assigned")
    assert assigned.actor_label == "Automation: VIP route"


def test_the_mail_action_mails_the_customer_through_the_outbox(desk, now):
    automate(
        desk,
        now,
        name="Thank you",
        actions=[
            {"kind": "mail", "body": "Hi {{ customer.first_name }}, we got {{ case.reference }}."}
        ],
    )
    case = open_case(desk, now)
    reply = Message.objects.get(ticket=case, kind=MessageKind.REPLY)
    assert reply.body == f"Hi Alice, we got {case.reference}."
    mail = OutboundEmail.objects.filter(to="alice@acme.test", kind="reply").get()
    assert case.reference in mail.subject


def test_machine_mail_is_never_answered(desk, now):
    automate(
        desk,
        now,
        name="Answer",
        events=["case.created", "message.added"],
        actions=[{"kind": "mail", "body": "Thanks!"}],
    )
    [opened] = actions.do_open_tickets(
        [
            actions.NewCase(
                customer=desk.bob,
                subject="Out of office",
                body="I am away",
                channel=Channel.EMAIL,
                from_machine=True,
            )
        ],
        now=now,
    )
    case = opened.ticket
    assert not Message.objects.filter(ticket=case, kind=MessageKind.REPLY).exists()
    [log] = ran(case)
    assert "Machine mail" in log.new_value["refused"][0]["reason"]
    human = open_case(desk, now, customer=desk.bob)
    before = Message.objects.filter(ticket=human, kind=MessageKind.REPLY).count()
    actions.do_add_customer_messages(
        [
            actions.CustomerWrite(
                human, desk.bob, "Auto-reply: I am away", Channel.EMAIL, machine=True
            )
        ],
        now=now,
    )
    assert Message.objects.filter(ticket=human, kind=MessageKind.REPLY).count() == before
    assert "Machine mail" in ran(human)[-1].new_value["refused"][0]["reason"]


def test_hostile_names_and_templates_are_refused_or_kept_as_text(desk, now):
    with pytest.raises(DomainError, match="Template tags"):
        automate(desk, now, actions=[{"kind": "mail", "body": "{% load x %}{{ 1 }}"}])
    with pytest.raises(DomainError, match="Unknown placeholder"):
        automate(desk, now, actions=[{"kind": "mail", "body": "{{ settings.SECRET_KEY }}"}])
    with pytest.raises(DomainError, match="too long"):
        automate(desk, now, name="x" * 121)
    with pytest.raises(DomainError, match="too long"):
        automate(desk, now, actions=[{"kind": "mail", "body": "a" * 20_001}])
    with pytest.raises(DomainError, match="Action 1"):
        automate(desk, now, actions=[{"kind": "rm -rf"}])
    with pytest.raises(DomainError, match="Unknown condition"):
        automate(desk, now, conditions={"<script>": 1})
    with pytest.raises(DomainError, match="Unknown event"):
        automate(desk, now, events=["<b>x</b>"])
    a = automate(desk, now, name="<script>alert(1)</script>")
    assert a.name == "<script>alert(1)</script>"  # stored as typed; pages escape it


def test_agents_cannot_create_automations(desk, now):
    with pytest.raises(PermissionDenied):
        automate(desk, now, actor=desk.agent)
    a = automate(desk, now)
    with pytest.raises(PermissionDenied):
        auto_actions.do_set_automation_active(actor=desk.agent, automation=a, active=False, now=now)


def test_moving_renumbers_in_order(desk, now):
    a = automate(desk, now, name="A")
    b = automate(desk, now, name="B")
    c = automate(desk, now, name="C")
    rows = auto_actions.do_move_automation(actor=desk.lead, automation=c, position=1, now=now)
    assert [r.name for r in rows] == ["C", "A", "B"]
    assert [x.name for x in selectors.listed()] == ["C", "A", "B"]
    assert {a.pk, b.pk, c.pk} == {r.pk for r in rows}


def test_the_dry_run_lists_the_open_cases_that_match(desk, now):
    a = automate(desk, now, active=False, conditions={"tiers": ["vip"], "words": ["van"]})
    vip = open_case(desk, now)
    open_case(desk, now, customer=desk.bob)  # standard tier
    open_case(desk, now, subject="Invoice", body="Wrong amount")  # no "van"
    done = open_case(desk, now)
    actions.do_change_status(done, actor=desk.agent, status=Status.RESOLVED, now=now)
    found = selectors.dry_run(a, now)
    assert [t.pk for t in found.cases] == [vip.pk] and found.count == 1 and found.exact


# --- time automations --------------------------------------------------------------


@pytest.fixture
def nine_to_five(desk):
    cal = BusinessCalendar.objects.create(name="Office", time_zone="UTC")
    for day in range(5):
        WorkingHours.objects.create(calendar=cal, weekday=day, start=time(9), end=time(17))
    SlaPolicy.objects.create(name="Office hours", calendar=cal, first_response_minutes=600)
    return cal


FRIDAY_5PM = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def test_unassigned_for_two_business_hours_notifies_the_lead_on_monday_at_11(desk, nine_to_five):
    auto_actions.do_create_automation(
        actor=desk.lead,
        data=auto_actions.AutomationData(
            name="Nobody took it",
            trigger=Trigger.TIME,
            time_state="unassigned",
            time_minutes=120,
            time_business=True,
            actions=[{"kind": "notify", "to": "team_lead", "text": "Unassigned 2h"}],
        ),
        now=FRIDAY_5PM,
    )
    case = open_case(desk, FRIDAY_5PM)
    timer = Timer.objects.get(ticket=case)
    assert timer.due_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    deadlines.sweep(datetime(2026, 11, 30, 10, 59, tzinfo=UTC))
    assert not Notification.objects.filter(kind="automation").exists()
    deadlines.fire("automation.timer", [timer.pk], datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    assert Notification.objects.filter(kind="automation", recipient_id=desk.lead.pk).count() == 1
    # Fired once: later sweeps do nothing more.
    deadlines.sweep(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert Notification.objects.filter(kind="automation").count() == 1
    assert Run.objects.get().cause == "time"


def test_waiting_reminder_then_close_and_the_clock_clears_when_the_case_moves(desk, now):
    for name, days, step in (
        ("Remind", 7, {"kind": "mail", "body": "Still need help, {{ customer.first_name }}?"}),
        ("Close", 14, {"kind": "status", "value": "closed"}),
    ):
        auto_actions.do_create_automation(
            actor=desk.lead,
            data=auto_actions.AutomationData(
                name=name,
                trigger=Trigger.TIME,
                time_state="status",
                time_status=Status.WAITING_CUSTOMER,
                time_minutes=days * 24 * 60,
                actions=[step],
            ),
            now=now,
        )
    quiet = open_case(desk, now)
    actions.do_reply(quiet, agent=desk.agent, body="Does this help?", now=now)
    answers = open_case(desk, now, customer=desk.bob)
    actions.do_reply(answers, agent=desk.agent, body="Does this help?", now=now)
    assert Timer.objects.filter(ticket=quiet).count() == 2
    actions.do_add_customer_message(
        answers,
        customer=desk.bob,
        body="Not yet",
        channel=Channel.PORTAL,
        now=now + timedelta(days=1),
    )
    assert not Timer.objects.filter(ticket=answers).exists()  # left the state: cleared
    deadlines.sweep(now + timedelta(days=7, minutes=1))
    reminder = Message.objects.filter(ticket=quiet, kind=MessageKind.REPLY).last()
    assert reminder.body == "Still need help, Alice?"
    assert Ticket.objects.get(pk=quiet.pk).status == Status.WAITING_CUSTOMER
    deadlines.sweep(now + timedelta(days=14, minutes=1))
    assert Ticket.objects.get(pk=quiet.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=answers.pk).status == Status.WAITING_US
    assert not Timer.objects.filter(ticket=quiet).exists()  # closed: left the state
    assert Run.objects.filter(ticket=answers).count() == 0


def test_a_broken_step_never_undoes_the_change_that_caused_it(desk, now, monkeypatch):
    from caredesk.automations import steps

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(steps, "_notify", broken)
    automate(
        desk,
        now,
        actions=[
            {"kind": "notify", "to": "team_lead", "text": "x"},
            {"kind": "add_tags", "tags": ["delivery"]},
        ],
    )
    case = open_case(desk, now)  # opened even so
    assert tags(case) == ["delivery"]
    [log] = ran(case)
    assert "failed unexpectedly" in log.new_value["refused"][0]["reason"]
