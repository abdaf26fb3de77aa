"""On-commit callbacks for tests that run in a rolled-back transaction.

pytest-django's ``db`` fixture wraps each test in one ``atomic`` block (the *base
level*) and rolls it back at the end. Nothing the test does ever commits, so Django
would never run the callbacks given to ``transaction.on_commit`` — the mail, tasks and
webhooks caredesk schedules with ``caredesk.core.effects.after_commit``.

``run_on_commit_callbacks(connection)`` makes such a test behave as if the code under
test had committed:

* when code leaves its outermost ``atomic`` block without an error (the atomic depth
  is back at the base level), the callbacks registered inside it run right then, in
  the order they were registered;
* ``on_commit`` called at the base level (outside any ``atomic`` block of the code's
  own) runs the callback at once, as Django does in autocommit mode;
* a callback registered in a savepoint that rolls back never runs (Django drops it
  from the list itself), nor does anything pending when the outermost block exits
  with an error (a real rollback would drop it too);
* callbacks registered while callbacks run, run too: at the base level at once (as
  after a real commit, where the connection is back in autocommit), inside a
  callback's own ``atomic`` block when that block exits.

Why read ``connection.run_on_commit``: that public attribute of the connection is
where Django keeps the pending callbacks, each with the savepoints that were open when
it was registered, and Django itself removes a rolled-back savepoint's callbacks from
it. Django's own ``TestCase.captureOnCommitCallbacks`` reads the same list. Taking the
callbacks from there keeps Django's savepoint bookkeeping instead of re-implementing it
beside a replacement ``on_commit``. Only test code does this.

What has to be wrapped: ``Atomic.__exit__`` (the one place every ``atomic`` block,
used as a decorator or a ``with``, ends) and the connection's ``on_commit`` (for the
base-level case). Both wrappers are installed for one test and taken away after it,
with a ``MonkeyPatch`` of their own: a test calling ``monkeypatch.undo()`` on the
``monkeypatch`` fixture must not take them away halfway through.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger(__name__)


class CommitAtOuterExit:
    """Runs one connection's on-commit callbacks when its atomic depth is back at the
    depth it had when this was created (the test's own transaction)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.base_depth = len(connection.atomic_blocks)

    def at_base_level(self) -> bool:
        return len(self.connection.atomic_blocks) == self.base_depth

    def run_pending(self) -> None:
        """Run what is pending, as Django's ``run_and_clear_commit_hooks`` does after a
        real commit (that method refuses to run inside an atomic block, so it cannot be
        called here). The list is swapped for an empty one first: a callback that
        registers another at the base level sees it run at once, nested in its own
        call, exactly like in autocommit after a real commit."""
        if self.connection.needs_rollback:
            # The test's transaction is broken; nothing in it could have committed.
            self.discard_pending()
            return
        pending, self.connection.run_on_commit = self.connection.run_on_commit, []
        for _savepoints, callback, robust in pending:
            if not robust:
                callback()
                continue
            try:
                callback()
            except Exception:
                log.exception("on_commit callback %s failed", callback)

    def discard_pending(self) -> None:
        self.connection.run_on_commit = []


@contextlib.contextmanager
def run_on_commit_callbacks(connection: BaseDatabaseWrapper) -> Iterator[CommitAtOuterExit]:
    """Within this block, ``connection`` (already inside the test's transaction) runs its
    on-commit callbacks when the code's outermost atomic block exits."""
    commits = CommitAtOuterExit(connection)
    original_exit = transaction.Atomic.__exit__
    original_on_commit = connection.on_commit

    def exit_and_commit(atomic: transaction.Atomic, exc_type: Any, exc: Any, tb: Any) -> Any:
        failed = exc_type is not None
        try:
            return original_exit(atomic, exc_type, exc, tb)
        except BaseException:
            failed = True  # the savepoint could not be released or rolled back
            raise
        finally:
            # Other threads have their own connection objects; leave them alone.
            ours = transaction.get_connection(atomic.using) is connection
            if ours and commits.at_base_level():
                if failed:
                    # Nothing is left pending at the base level between blocks, so
                    # whatever is pending now was registered in the block that failed.
                    commits.discard_pending()
                else:
                    commits.run_pending()

    def on_commit(func: Callable[[], Any], robust: bool = False) -> None:
        original_on_commit(func, robust)
        if commits.at_base_level():
            commits.run_pending()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transaction.Atomic, "__exit__", exit_and_commit)
        patch.setattr(connection, "on_commit", on_commit)
        yield commits


def needs_real_commits(request: pytest.FixtureRequest) -> bool:
    """True when pytest-django runs this test with real commits (TransactionTestCase)."""
    from pytest_django.fixtures import validate_django_db

    names = request.fixturenames
    if {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names):
        return True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return False
    transactional, reset_sequences, *_ = validate_django_db(marker)
    return bool(transactional or reset_sequences)


def uses_database(request: pytest.FixtureRequest) -> bool:
    return "db" in request.fixturenames or request.node.get_closest_marker("django_db") is not None
