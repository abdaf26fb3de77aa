"""How caredesk declares its background tasks: Django's ``@task`` with the id of the
request that queued it carried along.

A task queued while a request runs (``core.effects.enqueue_after_commit``) gets the
request's id as the keyword ``caredesk_request_id``; the task runs with it in
:data:`request_id`, so the worker's log lines for that task carry the same id as the
request's (``caredesk.ops.logs``), on the database queue and on RQ alike. Heartbeats and
other tasks nobody's request asked for run with ``-``.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django_tasks import task as django_task

# The id of the request (or of the request that queued this task); "-" when neither.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

KEYWORD = "caredesk_request_id"
MAX_ID = 64
_F = TypeVar("_F", bound=Callable[..., Any])


def task(**options: Any) -> Callable[[_F], Any]:
    """``django_tasks.task`` (same options) for a function that may be queued from a
    request; the function itself never sees the request id."""

    def declare(func: _F) -> Any:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            given = kwargs.pop(KEYWORD, "")
            rid = given[:MAX_ID] if isinstance(given, str) and given else "-"
            token = request_id.set(rid)
            try:
                return func(*args, **kwargs)
            finally:
                request_id.reset(token)

        run.carries_request_id = True  # type: ignore[attr-defined]
        return django_task(**options)(run)

    return declare


def with_request_id(task_obj: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` plus the current request's id, for a task declared with :func:`task`."""
    rid = request_id.get()
    if rid == "-" or not getattr(getattr(task_obj, "func", None), "carries_request_id", False):
        return kwargs
    return {**kwargs, KEYWORD: rid}
