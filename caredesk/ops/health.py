"""``/healthz`` says the process answers; ``/readyz`` says it can do its work.

A load balancer takes a web process out of rotation while ``/readyz`` answers 503; an
orchestrator restarts one whose ``/healthz`` stops answering. Both are JSON, unauthenticated
and cheap (a handful of indexed reads), and neither names hosts, users or secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from caredesk.core import clock
from caredesk.core.models import WorkerLease

from . import queue

log = logging.getLogger(__name__)

Check = Callable[[datetime], tuple[bool, str]]


def check_database(now: datetime) -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_cache(now: datetime) -> tuple[bool, str]:
    key = "caredesk:readyz"
    cache.set(key, now.isoformat(), 30)
    if cache.get(key) is None:
        return False, "a value written to the cache could not be read back"
    return True, str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]


def check_task_queue(now: datetime) -> tuple[bool, str]:
    depth = queue.depth()
    if depth is None:
        return True, f"{queue.backend_name()} (depth not visible from here)"
    return True, f"{depth} waiting"


def check_worker(now: datetime) -> tuple[bool, str]:
    """A worker has renewed its lease recently (``caredesk worker`` renews every few
    seconds). Backends that run tasks in the web process need no worker."""
    if not queue.needs_worker():
        return True, "tasks run in the web process"
    live = WorkerLease.objects.filter(expires_at__gt=now).count()
    if live == 0:
        return False, "no worker has renewed its lease: is `caredesk worker` running?"
    return True, f"{live} live"


CHECKS: dict[str, Check] = {
    "database": check_database,
    "cache": check_cache,
    "task_queue": check_task_queue,
    "worker": check_worker,
}


def run_checks(now: datetime) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        try:
            ok, detail = check(now)
        except Exception as exc:
            log.warning("readiness check %s failed: %s", name, exc)
            ok, detail = False, f"unreachable ({type(exc).__name__})"
        results[name] = {"ok": ok, "detail": detail}
    return results


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = run_checks(clock.now())
    ready = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
