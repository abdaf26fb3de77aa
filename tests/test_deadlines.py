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
