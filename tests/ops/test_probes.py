"""/healthz and /readyz as a load balancer and an orchestrator read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from caredesk.core import clock
from caredesk.core.models import WorkerLease

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def lease(seconds_left: int) -> WorkerLease:
    now = clock.now()
    return WorkerLease.objects.create(
        worker_id=f"w-{seconds_left}",
        host="test",
        pid=1,
        started_at=now - timedelta(minutes=5),
        heartbeat_at=now - timedelta(seconds=5),
        expires_at=now + timedelta(seconds=seconds_left),
    )


def test_healthz_answers_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_a_live_worker(client, settings):
    settings.TASKS = DB_QUEUE
    lease(25)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache", "task_queue", "worker"}
    assert body["checks"]["worker"] == {"ok": True, "detail": "1 live"}
    assert body["checks"]["task_queue"]["detail"].endswith("waiting")


def test_readyz_is_not_ready_when_every_worker_lease_expired(client, settings):
    settings.TASKS = DB_QUEUE
    lease(-10)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["worker"]["ok"] is False
    assert "caredesk worker" in body["checks"]["worker"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_readyz_reports_an_unreachable_cache_without_a_traceback(client, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis://user:hunter2secret@10.0.0.5:6379 refused")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    detail = response.json()["checks"]["cache"]
    assert detail == {"ok": False, "detail": "unreachable (ConnectionError)"}
    assert "hunter2" not in response.content.decode()


def test_probes_refuse_posts(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
