"""``caredesk worker``: django-tasks-db's ``db_worker`` (or, with
``CAREDESK_TASK_BACKEND=rq``, an RQ worker: :mod:`caredesk.core.redis_queue`), kept alive
and accountable.

The loop, for one worker process:

1. wait for the database (exponential backoff, 1 s doubling to 30 s, one log line per
   attempt), take the worker's lease (:mod:`caredesk.core.leases`) and start the thread
   that renews it;
2. put back in the queue tasks left RUNNING by dead workers, and any this worker's own
   loop left behind when it last stopped (:mod:`caredesk.core.recovery`); start the
   heartbeat chain if none is waiting;
3. run the library's ``db_worker`` command under the lease's id (its documented
   ``--worker-id``), without the autoreloader; with RQ, RQ's worker named by that id;
4. when ``db_worker`` stops on a database error (unreachable, connection lost, a lock
   held too long on SQLite), or Redis cannot be reached, close the connections and go
   back to 1.

A signal (SIGTERM, SIGINT) stops it cleanly: ``db_worker`` finishes the task it runs,
the lease is released and the process exits 0. Anything else that ends the loop, or the
death of the lease thread, exits non-zero, so a supervisor (``caredesk serve``, systemd)
restarts the process: a worker never stays alive without working.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from types import FrameType

from django.core.management import call_command
from django.db import connections
from redis.exceptions import ConnectionError as RedisConnectionError

from caredesk.core import clock, leases, recovery, redis_queue
from caredesk.core.leases import DB_ERRORS, LeaseKeeper
from caredesk.core.periodic import ensure_heartbeat

log = logging.getLogger(__name__)

BACKOFF_START = 1.0
BACKOFF_CAP = 30.0


class Backoff:
    """Delays of 1, 2, 4 … seconds, capped."""

    def __init__(self, start: float = BACKOFF_START, cap: float = BACKOFF_CAP) -> None:
        self.start, self.cap = start, cap
        self.failures = 0

    def next(self) -> float:
        delay = min(self.start * (2**self.failures), self.cap)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


class Worker:
    def __init__(self, *, interval: float, worker_id: str | None = None, verbosity: int = 1):
        self.interval = interval
        self.worker_id = worker_id or leases.new_worker_id()
        self.verbosity = verbosity
        self.keeper: LeaseKeeper | None = None
        self.backoff = Backoff()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker %s: %s, stopping", self.worker_id, signal.strsignal(signum))
        raise SystemExit(0)

    def _install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)

    def _lease_thread_died(self) -> None:
        # The main thread is in db_worker (or sleeping); a signal stops it cleanly there.
        os.kill(os.getpid(), signal.SIGTERM)

    def _prepare(self) -> None:
        now = clock.now()
        leases.acquire(self.worker_id, now)
        if self.keeper is None:
            self.keeper = LeaseKeeper(self.worker_id, on_crash=self._lease_thread_died)
            self.keeper.start()
        outcome = recovery.recover_lost_tasks(now, dead_worker_ids={self.worker_id})
        if outcome:
            log.info("worker %s: recovered tasks: %s", self.worker_id, outcome)
        ensure_heartbeat(now)

    def _work(self) -> None:
        if redis_queue.is_in_use():
            # RQ's worker, with its scheduler; SIGTERM lets it finish the task it runs.
            log.info("worker %s: working the RQ queue %r", self.worker_id, redis_queue.QUEUE)
            redis_queue.run_worker(self.worker_id)
            return
        call_command(
            "db_worker",
            worker_id=self.worker_id,
            interval=self.interval,
            reload=False,
            startup_delay=False,
            verbosity=self.verbosity,
        )

    def _exit_code(self, code: int) -> int:
        return 1 if self.keeper is not None and self.keeper.crashed else code

    def run(self) -> int:
        self._install_signals()
        log.info("worker %s: starting (pid %s)", self.worker_id, os.getpid())
        try:
            while True:
                try:
                    self._prepare()
                    if self.backoff.failures:
                        log.info(
                            "worker %s: the database answers again (after %d failed attempts)",
                            self.worker_id,
                            self.backoff.failures,
                        )
                    self.backoff.reset()
                    try:
                        self._work()
                    finally:
                        self._install_signals()
                    return self._exit_code(0)
                except (*DB_ERRORS, RedisConnectionError) as exc:
                    delay = self.backoff.next()
                    log.warning(
                        "worker %s: cannot use the database (%s); attempt %d failed, "
                        "retrying in %.0f s",
                        self.worker_id,
                        _first_line(exc),
                        self.backoff.failures,
                        delay,
                    )
                    connections.close_all()
                    time.sleep(delay)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            return self._exit_code(code)
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        if self.keeper is not None:
            self.keeper.stop()
            self.keeper.join(timeout=5)
        # Whatever is still RUNNING under this id was left by a loop that ended with an
        # error: nothing here runs it any more. If the database cannot be used now, the
        # lease expires on its own and another worker recovers the tasks then.
        for step in (
            lambda: recovery.recover_lost_tasks(clock.now(), dead_worker_ids={self.worker_id}),
            lambda: leases.release(self.worker_id),
        ):
            try:
                step()
            except Exception as exc:
                log.warning(
                    "worker %s: could not hand back its work (%s)", self.worker_id, _first_line(exc)
                )
        connections.close_all()
        log.info("worker %s: stopped", self.worker_id)
