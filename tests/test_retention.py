"""Rows that only matter for a while are deleted by the hourly retention job; case
history and work still waiting are never touched."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caredesk.accounts.actions import do_create_api_token
from caredesk.channels.api.models import IdempotencyKey
from caredesk.channels.portal.models import MagicLink
from caredesk.core import retention
from caredesk.core.models import EffectClaim
from caredesk.core.periodic import run_jobs
from caredesk.tickets.models import AuditEvent

DAY = timedelta(days=1)


def _task(status: str, finished_days_ago: float | None, now) -> DBTaskResult:
    finished = now - finished_days_ago * DAY if finished_days_ago is not None else None
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="caredesk.core.periodic.heartbeat",
        backend_name="default",
        run_after=now - 60 * DAY,
        finished_at=finished,
        exception_class_path="",
        traceback="",
    )


def _link(desk, now, expired_days_ago: float, n: int) -> MagicLink:
    return MagicLink.objects.create(
        customer=desk.alice,
        token_hash=f"{n:064x}",
        created_at=now - (expired_days_ago + 1) * DAY,
        expires_at=now - expired_days_ago * DAY,
    )


def test_purge_deletes_only_what_is_past_retention(desk, now):
    token = do_create_api_token(user=desk.agent, name="ci", now=now).token
    IdempotencyKey.objects.create(
        token=token,
        key="a",
        fingerprint="f",
        response_status=201,
        response_body={},
        created_at=now - 2 * DAY,
    )
    new_key = IdempotencyKey.objects.create(
        token=token,
        key="b",
        fingerprint="f",
        response_status=201,
        response_body={},
        created_at=now - timedelta(hours=1),
    )
    _link(desk, now, 3, 1)
    fresh_link = _link(desk, now, 0.5, 2)
    _task(TaskResultStatus.SUCCESSFUL, 8, now)
    new_ok = _task(TaskResultStatus.SUCCESSFUL, 6, now)
    _task(TaskResultStatus.FAILED, 31, now)
    recent_failed = _task(TaskResultStatus.FAILED, 8, now)
    waiting = _task(TaskResultStatus.READY, None, now)
    EffectClaim.objects.create(key="case-acknowledged:1", claimed_at=now - 31 * DAY)
    EffectClaim.objects.create(key="case-acknowledged:2", claimed_at=now - 29 * DAY)
    events = AuditEvent.objects.count()

    counts = retention.purge_now(now)

    assert counts == {
        "idempotency keys": 1,
        "sign-in links": 1,
        "task results": 2,
        "effect claims": 1,
        "retention rules": 0,  # no organization has a rule (tests/privacy)
    }
    assert list(EffectClaim.objects.values_list("key", flat=True)) == ["case-acknowledged:2"]
    assert set(IdempotencyKey.objects.values_list("pk", flat=True)) == {new_key.pk}
    assert set(MagicLink.objects.values_list("pk", flat=True)) == {fresh_link.pk}
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        new_ok.pk,
        recent_failed.pk,
        waiting.pk,
    }
    assert AuditEvent.objects.count() == events  # case history is not retention's business


def test_the_job_runs_at_most_once_an_hour(desk, now):
    cache.delete(retention._LOCK_KEY)
    _link(desk, now, 3, 1)
    outcome = run_jobs(now)["caredesk.core.retention.purge"]
    assert outcome == (
        "ok: 0 idempotency keys, 1 sign-in links, 0 task results, 0 effect claims,"
        " 0 retention rules"
    )
    _link(desk, now, 3, 2)
    assert run_jobs(now)["caredesk.core.retention.purge"] == "ok: not due"
    assert MagicLink.objects.count() == 1  # kept until the next hourly run
    cache.delete(retention._LOCK_KEY)
    run_jobs(now + timedelta(hours=1))
    assert MagicLink.objects.count() == 0


def test_a_large_backlog_is_deleted_in_slices(desk, now, monkeypatch):
    monkeypatch.setattr(retention, "SLICE", 2)
    monkeypatch.setattr(retention, "MAX_SLICES", 2)
    for n in range(5):
        _link(desk, now, 3, n)
    assert retention.purge_now(now)["sign-in links"] == 4  # two slices of two this run
    assert retention.purge_now(now)["sign-in links"] == 1  # the rest on the next
