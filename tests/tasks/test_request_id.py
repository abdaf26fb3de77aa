"""A task queued by a request runs with that request's id, so the worker's log lines
for it carry the id the request's lines and its X-Request-ID header carry (issue 17)."""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from caredesk.core import background
from caredesk.core.effects import enqueue_after_commit
from caredesk.ops import logs
from tests.tasks import jobs


def test_a_task_queued_by_a_request_runs_with_its_id(
    db, tmp_path, django_capture_on_commit_callbacks
):
    out = tmp_path / "ids.txt"

    def view(request):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            enqueue_after_commit(jobs.record_request_id, str(out))
        return HttpResponse("ok")

    response = logs.RequestIdMiddleware(view)(
        RequestFactory().get("/", HTTP_X_REQUEST_ID="req-7f3a-0001")
    )
    assert response["X-Request-ID"] == "req-7f3a-0001"
    assert out.read_text().split() == ["req-7f3a-0001"]  # the immediate backend ran it
    assert background.request_id.get() == "-"  # and nothing leaks out of the request


def test_on_the_database_queue_the_id_is_stored_with_the_task(db, tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = tmp_path / "ids.txt"
    token = background.request_id.set("req-db-000042")
    try:
        with transaction.atomic():
            enqueue_after_commit(jobs.record_request_id, str(out))
    finally:
        background.request_id.reset(token)
    row = DBTaskResult.objects.get(task_path="tests.tasks.jobs.record_request_id")
    stored = row.args_kwargs
    stored = json.loads(stored) if isinstance(stored, str) else stored
    # What a worker does with the row: call the task with the stored arguments.
    jobs.record_request_id.call(*stored["args"], **stored["kwargs"])
    assert out.read_text().split() == ["req-db-000042"]


def test_the_tasks_log_lines_carry_the_id_and_other_tasks_get_none(tmp_path):
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    handler = Keep()
    handler.addFilter(logs.RequestIdFilter())  # as the configured console handler has
    logger = logging.getLogger("tests.tasks.jobs")
    logger.addHandler(handler)
    try:
        jobs.record_request_id.call(str(tmp_path / "a"), caredesk_request_id="req-log-0099")
        jobs.record_request_id.call(str(tmp_path / "b"))  # a heartbeat's task: no request
    finally:
        logger.removeHandler(handler)
    assert [r.request_id for r in seen] == ["req-log-0099", "-"]
    # Only tasks declared with caredesk's @task take the id; Django's plain ones do not.
    token = background.request_id.set("req-abc-123456")
    try:
        assert background.with_request_id(jobs.record_request_id, {"x": 1}) == {
            "x": 1,
            background.KEYWORD: "req-abc-123456",
        }
        assert background.with_request_id(jobs.note, {}) == {}
    finally:
        background.request_id.reset(token)
    assert background.with_request_id(jobs.record_request_id, {}) == {}  # no request


def test_a_hostile_stored_id_is_cut_to_its_limit(tmp_path):
    out = tmp_path / "ids.txt"
    jobs.record_request_id.call(str(out), caredesk_request_id="x" * 10_000)
    jobs.record_request_id.call(str(out), caredesk_request_id=["not", "text"])
    assert out.read_text().split() == ["x" * background.MAX_ID, "-"]
