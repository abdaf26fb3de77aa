"""Real ``caredesk worker`` processes for the tests, with their log in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

CLI = [sys.executable, "-m", "caredesk.cli"]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for child processes."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return (
        f"postgres://{s['USER'] or 'postgres'}{password}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CAREDESK_TESTING", "PYTEST_VERSION")}
    env.update(
        CAREDESK_TESTING="false",
        DEBUG="true",  # as in development: the worker must not run under the autoreloader
        LOG_LEVEL="INFO",
        CAREDESK_WORKER_LEASE_SECONDS="6",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [*CLI, "worker", "--interval", "0.2", *args],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout=timeout)
        self._log.close()
        return code

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self._log.close()
