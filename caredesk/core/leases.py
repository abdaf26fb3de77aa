"""Worker leases: a worker that runs tasks renews a row every few seconds to say it lives.

``caredesk worker`` takes a lease (:class:`~caredesk.core.models.WorkerLease`) under the
id it gives django-tasks-db's ``db_worker``, and a :class:`LeaseKeeper` thread renews it
every ``ttl / 6`` seconds. A worker killed with ``kill -9`` (or whose machine died) stops
renewing; once its lease has expired, :mod:`caredesk.core.recovery` puts the tasks it was
running back in the queue. On the same machine a dead process is recognised at once (its
pid is gone), so a restarted worker recovers its predecessor's tasks immediately.

Times are the workers' own clocks (``caredesk.core.clock``): machines running workers
must agree on the time to within a few seconds, well under the lease's 30 s.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from caredesk.core import clock
from caredesk.core.models import WorkerLease

log = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, InterfaceError)
DEFAULT_TTL_SECONDS = 30


def ttl() -> timedelta:
    seconds = int(getattr(settings, "CAREDESK_WORKER_LEASE_SECONDS", DEFAULT_TTL_SECONDS))
    return timedelta(seconds=max(seconds, 3))


def host_identity() -> str:
    """This machine as leases name it: the host name, and the pid namespace where Linux
    shows it (two containers may share a host name but never a pid namespace)."""
    name = socket.gethostname() or "localhost"
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return name[:255]
    return f"{name}/{namespace}"[:255]


def new_worker_id() -> str:
    """Unique across the pool, at most 64 characters (what db_worker accepts)."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(6)}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (a zombie does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def acquire(worker_id: str, now: datetime) -> WorkerLease:
    """Take (or take again) the lease of ``worker_id`` for this process."""
    lease, _ = WorkerLease.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": host_identity(),
            "pid": os.getpid(),
            "heartbeat_at": now,
            "expires_at": now + ttl(),
        },
        create_defaults={
            "host": host_identity(),
            "pid": os.getpid(),
            "started_at": now,
            "heartbeat_at": now,
            "expires_at": now + ttl(),
        },
    )
    return lease


def renew(worker_id: str, now: datetime) -> bool:
    """Extend a lease that is still live; False if it had expired or is gone (then the
    tasks it covered may have been requeued already)."""
    return (
        WorkerLease.objects.filter(worker_id=worker_id, expires_at__gt=now).update(
            heartbeat_at=now, expires_at=now + ttl()
        )
        == 1
    )


def release(worker_id: str) -> None:
    WorkerLease.objects.filter(worker_id=worker_id).delete()


class LeaseKeeper(threading.Thread):
    """Renews one worker's lease until stopped. A database it cannot reach is retried
    (each renewal is due anyway); an unexpected error ends the thread and calls
    ``on_crash``, which stops the worker: a worker must not run tasks without a lease."""

    def __init__(self, worker_id: str, *, on_crash: Callable[[], None]) -> None:
        super().__init__(name=f"lease-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.on_crash = on_crash
        self.every = max(ttl().total_seconds() / 6, 0.5)
        self.crashed = False
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def renew_once(self) -> None:
        now = clock.now()
        if not renew(self.worker_id, now):
            log.warning(
                "worker %s: its lease had run out (no renewal for over %s s); any task it "
                "was running may have been put back in the queue. Lease taken again.",
                self.worker_id,
                int(ttl().total_seconds()),
            )
            acquire(self.worker_id, now)

    def run(self) -> None:
        failing_since: float | None = None
        try:
            while not self._stop_event.wait(1.0 if failing_since is not None else self.every):
                try:
                    self.renew_once()
                except DB_ERRORS as exc:
                    if failing_since is None:
                        failing_since = time.monotonic()
                        log.warning(
                            "worker %s: cannot renew its lease (%s: %s); retrying every second",
                            self.worker_id,
                            type(exc).__name__,
                            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                        )
                    connection.close()
                    continue
                if failing_since is not None:
                    log.info(
                        "worker %s: lease renewed again after %.0f s",
                        self.worker_id,
                        time.monotonic() - failing_since,
                    )
                    failing_since = None
        except BaseException:
            self.crashed = True
            log.exception("worker %s: the lease thread failed; stopping the worker", self.worker_id)
            self.on_crash()
        finally:
            connection.close()
