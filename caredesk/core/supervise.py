"""The process supervisor of ``caredesk serve``: the web server and the task worker.

A worker that exits (killed, crashed, out of memory, or stopped because it lost its
database for good) is started again after a backoff: 1 s, doubling to 30 s while it keeps
dying within a minute of its start, back to 1 s once it has run for a minute. Each
restart is logged with the exit code. When the web server exits, everything stops and
``serve`` exits with its code (the web server restarts its own workers; a web server
that cannot start at all, such as a port in use, is not worth retrying).

SIGTERM or SIGINT stop every child with SIGTERM (the worker finishes its task, gunicorn
its requests), wait for them, and kill what is left after ``grace`` seconds.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

RESTART_START = 1.0
RESTART_CAP = 30.0
HEALTHY_AFTER = 60.0  # a child that ran this long starts again from the first delay


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    restart: bool
    log_path: str | None = None  # the child's output is appended here (else inherited)
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None
    quick_deaths: int = field(default=0)
    restarts: int = field(default=0)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        *,
        env: Mapping[str, str] | None = None,
        grace: float = 10.0,
        say: Callable[[str], None] | None = None,
        restart_start: float = RESTART_START,
        restart_cap: float = RESTART_CAP,
    ) -> None:
        self.children = list(children)
        self.env = dict(env) if env is not None else None
        self.grace = grace
        self.say = say or (lambda line: print(f"caredesk: {line}", file=sys.stderr, flush=True))
        self.restart_start, self.restart_cap = restart_start, restart_cap
        self.stopping = threading.Event()
        self.exit_code = 0

    def stop(self) -> None:
        self.stopping.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _start(self, child: Child) -> None:
        if child.log_path is None:
            child.proc = subprocess.Popen(list(child.argv), env=self.env)  # noqa: S603
        else:
            with open(child.log_path, "ab") as out:
                child.proc = subprocess.Popen(  # noqa: S603
                    list(child.argv), env=self.env, stdout=out, stderr=subprocess.STDOUT
                )
        child.started = time.monotonic()
        child.restart_at = None

    def _child_exited(self, child: Child, code: int) -> None:
        if not child.restart:
            self.say(f"the {child.name} stopped ({_describe(code)}); stopping everything")
            self.exit_code = code if code > 0 else 1
            self.stopping.set()
            return
        ran = time.monotonic() - child.started
        child.quick_deaths = 0 if ran >= HEALTHY_AFTER else child.quick_deaths + 1
        delay = min(self.restart_start * 2 ** max(child.quick_deaths - 1, 0), self.restart_cap)
        child.restart_at = time.monotonic() + delay
        child.proc = None
        self.say(
            f"the {child.name} stopped ({_describe(code)}) after {ran:.0f} s; "
            f"starting it again in {delay:.0f} s"
        )

    def _tick(self) -> None:
        for child in self.children:
            if self.stopping.is_set():
                return
            if child.proc is not None:
                code = child.proc.poll()
                if code is not None:
                    self._child_exited(child, code)
            elif child.restart_at is not None and time.monotonic() >= child.restart_at:
                child.restarts += 1
                self._start(child)
                pid = child.proc.pid if child.proc is not None else "?"
                self.say(f"the {child.name} started again (pid {pid})")

    def run(self) -> int:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        try:
            for child in self.children:
                self._start(child)
            while not self.stopping.is_set():
                self._tick()
                self.stopping.wait(0.2)
        finally:
            self._stop_all()
        return self.exit_code

    def _stop_all(self) -> None:
        running = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            proc.terminate()
        deadline = time.monotonic() + self.grace
        for proc in running:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
