"""The one deadline mechanism: kinds from settings, a range-scan sweep, one task."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core import deadlines
from caredesk.tickets.actions import do_open_ticket
from caredesk.tickets.models import Channel, Ticket

fired: list[int] = []


def clear_alarm(pk: int, now) -> bool:
    """A well-behaved fire action: acts once, then moves the deadline off the row."""
    fired.append(pk)
    return Ticket.objects.filter(pk=pk, sla_alarm_at__lte=now).update(sla_alarm_at=None) == 1


def explode(pk: int, now) -> bool:
    fired.append(pk)
    raise RuntimeError("boom")


def wire(settings, fire: str) -> None:
    settings.CAREDESK_DEADLINES = {
        "test.alarm": {"model": "tickets.Ticket", "field": "sla_alarm_at", "fire": fire}
    }


@pytest.fixture
def cases(desk, now):
    made = [
        do_open_ticket(
            customer=desk.alice, subject=f"Case {i}", body="Help.", channel=Channel.PORTAL, now=now
        )
        for i in range(3)
    ]
    for i, t in enumerate(made):  # due in 1, 2 and 3 hours
        Ticket.objects.filter(pk=t.pk).update(sla_alarm_at=now + timedelta(hours=i + 1))
    fired.clear()
    return made


def test_sweep_fires_what_is_due_once(settings, cases, now):
    wire(settings, f"{__name__}.clear_alarm")
    assert deadlines.sweep(now) is None
    assert deadlines.sweep(now + timedelta(hours=2)) == "test.alarm: 2"
    assert fired == [cases[0].pk, cases[1].pk]
    assert deadlines.sweep(now + timedelta(hours=2)) is None  # nothing fires twice
    assert fired == [cases[0].pk, cases[1].pk]


def test_task_fires_only_rows_that_are_due(settings, cases, now):
    wire(settings, f"{__name__}.clear_alarm")
    assert deadlines.fire("test.alarm", [c.pk for c in cases], now + timedelta(minutes=90)) == 1
    assert fired == [cases[0].pk]


def test_one_failing_row_does_not_stop_the_others(settings, cases, now):
    wire(settings, f"{__name__}.explode")
    deadlines.fire("test.alarm", [c.pk for c in cases], now + timedelta(hours=5))
    assert fired == [c.pk for c in cases]


def test_unknown_kind_and_naive_times_are_refused(settings, cases, now):
    wire(settings, f"{__name__}.clear_alarm")
    with pytest.raises(LookupError, match="no deadline kind"):
        deadlines.schedule("nope", [1], now)
    with pytest.raises(ValueError, match="timezone-aware"):
        deadlines.sweep(now.replace(tzinfo=None))


def test_schedule_enqueues_one_deferred_task_on_the_database_queue(settings, cases, now):
    from django_tasks_db.models import DBTaskResult

    wire(settings, f"{__name__}.clear_alarm")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    at = now + timedelta(hours=1)
    deadlines.schedule("test.alarm", [cases[1].pk, cases[0].pk, cases[0].pk], at)
    row = DBTaskResult.objects.get(task_path="caredesk.core.deadlines.fire_deadlines")
    assert row.run_after == at
    assert row.args_kwargs["args"] == ["test.alarm", [cases[0].pk, cases[1].pk]]


def test_without_a_deferring_backend_schedule_leaves_it_to_the_sweep(settings, cases, now):
    from django_tasks_db.models import DBTaskResult

    wire(settings, f"{__name__}.clear_alarm")
    deadlines.schedule("test.alarm", [cases[0].pk], now + timedelta(hours=1))
    assert not DBTaskResult.objects.exists()
    assert fired == []


# --- the kinds the desk registers -------------------------------------------------------


def test_the_desk_registers_every_timer_it_has():
    from django.conf import settings

    deadlines.reset()
    assert (
        list(deadlines.kinds())
        == list(settings.CAREDESK_DEADLINES)
        == [
            "sla.alarm",
            "promise.alarm",
            "escalation.decision",
            "approval.decision",
            "escalation.step_up",
            "approval.step_up",
            "outbox.retry",
            "resolution.confirm",
            "selfservice.outcome",
            "csat.send",
            "automation.timer",
            "webhook.retry",
        ]
    )


def test_one_sweep_fires_a_backlog_of_every_kind_once(desk, now):
    """A worker that was down for a day: every kind's due rows fire in one sweep, each
    once, and every fired row's deadline has moved past now (a second sweep does nothing)."""
    from django.core import mail

    from caredesk.core.models import OutboundEmail
    from caredesk.core.outbox import send_mail
    from caredesk.escalations.actions import do_escalate, do_request_goodwill
    from caredesk.escalations.defaults import seed
    from caredesk.escalations.models import (
        ActionType,
        ApprovalRequest,
        AuthorityLimit,
        Escalation,
        EscalationSource,
    )
    from caredesk.promises.models import Promise, State
    from caredesk.sla.models import BusinessCalendar, SlaPolicy
    from caredesk.tickets.models import AuditEvent
    from tests.promises.conftest import promise

    deadlines.reset()
    seed(ActionType, AuthorityLimit)
    cal = BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)
    SlaPolicy.objects.create(
        name="Standard",
        calendar=cal,
        first_response_minutes=60,
        resolution_minutes=480,
        warn_at_percent=75,
    )

    def case(subject):
        return do_open_ticket(
            customer=desk.bob,
            subject=subject,
            body="Charged twice.",
            channel=Channel.PORTAL,
            now=now,
            team=desk.billing,
        )

    sla_case = case("SLA")
    kept_back = promise(case("Promise"), desk.agent, now, hours=2)
    escalation = do_escalate(
        case("Escalation"),
        actor=desk.agent,
        source=EscalationSource.AGENT,
        reason="Customer disputes the fee; no waiver at my level.",
        now=now,
    ).escalation
    approval = do_request_goodwill(
        case("Approval"),
        agent=desk.agent,
        action_type=ActionType.objects.get(slug="refund"),
        amount="120",
        reason="Charged twice; the bank statement shows both payments.",
        now=now,
    ).approval
    outbound = send_mail("reply", "bob@example.test", {"body": "Hello"}, now=now)
    assert outbound is not None
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        state="retrying", attempts=1, next_attempt_at=now + timedelta(minutes=1)
    )
    mail.outbox.clear()
    day_later = now + timedelta(days=1)

    report = deadlines.sweep(day_later)

    assert report == (
        "sla.alarm: 4, promise.alarm: 1, escalation.decision: 1, approval.decision: 1, "
        "outbox.retry: 1"
    )
    breaches = AuditEvent.objects.filter(ticket=sla_case, verb="sla_breached")
    assert sorted(breaches.values_list("field", flat=True)) == ["frt", "res"]
    assert AuditEvent.objects.filter(verb="sla_breached").count() == 8  # 4 cases, 2 targets
    kept_back.refresh_from_db()
    assert kept_back.state == State.MISSED and kept_back.escalated
    assert not kept_back.customer_updated and kept_back.alarm_at > day_later  # the grace period
    escalation.refresh_from_db()
    assert escalation.level == "manager" and escalation.due_at > day_later
    approval.refresh_from_db()
    assert approval.level == "manager" and approval.due_at > day_later
    assert OutboundEmail.objects.get(pk=outbound.pk).state == "sent"
    assert [m.to for m in mail.outbox if m.to == ["bob@example.test"]] == [["bob@example.test"]]
    # Nothing left due: the second sweep fires nothing, and nothing happened twice.
    events = AuditEvent.objects.count()
    assert deadlines.sweep(day_later) is None
    assert deadlines.sweep(day_later + timedelta(seconds=30)) is None
    assert AuditEvent.objects.count() == events
    assert not Ticket.objects.filter(sla_alarm_at__lte=day_later).exists()
    assert not Promise.objects.filter(alarm_at__lte=day_later).exists()
    assert not Escalation.objects.filter(status="open", due_at__lte=day_later).exists()
    assert not ApprovalRequest.objects.filter(status="pending", due_at__lte=day_later).exists()


def test_a_case_with_nothing_to_fire_has_its_alarm_cleared(desk, cases, now):
    """A case whose alarm is due but which has no SLA policy (or timers): the fire action
    recomputes it and clears the alarm, so the sweep does not find it every minute."""
    deadlines.reset()
    assert Ticket.objects.filter(sla_policy__isnull=True, sla_alarm_at__isnull=False).count() == 3
    later = now + timedelta(hours=5)
    assert deadlines.sweep(later) is None  # nothing to warn about: nothing acted
    assert not Ticket.objects.filter(sla_alarm_at__isnull=False).exists()
    assert not Ticket.objects.filter(sla_alarm_at__lte=later).exists()
