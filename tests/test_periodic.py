"""The worker's every-minute heartbeat: one chain, every job run, failures contained."""

from __future__ import annotations

import pytest

from caredesk.core import periodic


def test_heartbeat_chain_starts_once(db, now, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    assert periodic.ensure_heartbeat(now) is True
    assert periodic.ensure_heartbeat(now) is False  # a restart does not start a second chain
    assert DBTaskResult.objects.filter(task_path=periodic.heartbeat.module_path).count() == 1


def test_two_heartbeats_finishing_together_leave_one_chain(db, now, settings):
    """Two workers each running a heartbeat see the other running, not waiting; both
    ask for the next minute's, and only the first is queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    periodic._enqueue(now + periodic.EVERY)
    periodic._enqueue(now + periodic.EVERY)
    assert DBTaskResult.objects.filter(task_path=periodic.heartbeat.module_path).count() == 1


def test_heartbeat_re_enqueues_itself_a_minute_later(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.CAREDESK_PERIODIC_JOBS = []
    backend = periodic.heartbeat.get_backend()
    periodic.heartbeat.call()
    follow = [r for r in backend.results if r.task.name == "heartbeat"]
    assert len(follow) == 1 and follow[0].task.run_after is not None


calls: list[str] = []


def failing_job(now):
    raise RuntimeError("mail server unreachable")


def counting_job(now):
    calls.append(now.isoformat())
    return "1 done"


def test_a_failing_job_does_not_stop_the_others(db, now, settings):
    settings.CAREDESK_PERIODIC_JOBS = [f"{__name__}.failing_job", f"{__name__}.counting_job"]
    calls.clear()
    outcome = periodic.run_jobs(now)
    assert outcome[f"{__name__}.failing_job"] == "failed: RuntimeError: mail server unreachable"
    assert outcome[f"{__name__}.counting_job"] == "ok: 1 done"
    assert calls == [now.isoformat()]


def test_cli_tick_reports_each_job(db, settings, capsys):
    from caredesk.cli import main

    settings.CAREDESK_PERIODIC_JOBS = [f"{__name__}.counting_job", f"{__name__}.failing_job"]
    assert main(["tick"]) == 1
    out = capsys.readouterr()
    assert "counting_job: ok: 1 done" in out.out
    assert "failing_job: failed: RuntimeError" in out.err


@pytest.mark.parametrize(
    "job", ["caredesk.core.deadlines.sweep", "caredesk.channels.email.jobs.housekeeping"]
)
def test_configured_jobs_run_on_an_empty_desk(db, now, job):
    assert periodic.run_jobs(now)[job].startswith("ok")
