"""Tasks for the worker tests (importable by worker processes started from the repo)."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def note(text: str) -> str:
    return text


@task()
def nap(seconds: float, text: str) -> str:
    """Long enough to be killed or cut off from the database while it runs."""
    time.sleep(seconds)
    return text
