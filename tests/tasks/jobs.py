"""Tasks for the worker tests (importable by worker processes started from the repo)."""

from __future__ import annotations

import logging
import time

from django_tasks import task

from caredesk.core import background
from caredesk.core.background import task as caredesk_task


@task()
def note(text: str) -> str:
    return text


@task()
def nap(seconds: float, text: str) -> str:
    """Long enough to be killed or cut off from the database while it runs."""
    time.sleep(seconds)
    return text


def _append(path: str, line: str) -> int:
    """Append a line to ``path``; returns how many lines it has now (runs so far)."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    with open(path, encoding="utf-8") as f:
        return len(f.read().splitlines())


@task()
def record(path: str, text: str) -> str:
    """Leaves one line per run, so a test can count how often it ran."""
    _append(path, text)
    return text


@task()
def flaky(path: str, fail_runs: int) -> str:
    """Raises on its first ``fail_runs`` runs, then succeeds."""
    runs = _append(path, "run")
    if runs <= fail_runs:
        raise RuntimeError(f"failing on purpose (run {runs})")
    return f"succeeded on run {runs}"


@task()
def slow_record(path: str, seconds: float) -> str:
    """Writes "start" at once and "done" after ``seconds``: killable in between."""
    _append(path, "start")
    time.sleep(seconds)
    _append(path, "done")
    return "done"


@caredesk_task()
def record_request_id(path: str) -> str:
    """Writes the request id the task runs with (caredesk.core.background)."""
    rid = background.request_id.get()
    logging.getLogger(__name__).warning("recording the request id")
    _append(path, rid)
    return rid
