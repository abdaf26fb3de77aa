"""The test plugin in tests/oncommit.py: a rolled-back test still runs on-commit callbacks
at the moment the code's outermost atomic block would have committed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from caredesk.accounts.models import Team
from caredesk.core.effects import after_commit

pytestmark = pytest.mark.django_db


def test_a_callback_runs_when_the_outer_block_exits_not_before():
    ran: list[str] = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("outer"))
        with transaction.atomic():
            transaction.on_commit(lambda: ran.append("inner"))
        assert ran == []  # leaving an inner block (a savepoint) commits nothing
        assert ran == []
    assert ran == ["outer", "inner"]  # in the order they were registered


def test_a_decorated_function_commits_when_it_returns():
    ran: list[int] = []

    @transaction.atomic
    def action(n: int) -> None:
        transaction.on_commit(lambda: ran.append(n))
        assert n not in ran

    action(1)
    action(2)
    assert ran == [1, 2]


def test_a_rolled_back_savepoint_loses_its_callbacks():
    ran: list[str] = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("kept"))
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: ran.append("rolled back"))
                raise RuntimeError("undo this part")
        except RuntimeError:
            pass
    assert ran == ["kept"]


def test_an_outer_block_that_fails_runs_nothing():
    ran: list[str] = []
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: ran.append("never"))
        raise RuntimeError("undo everything")
    with transaction.atomic():
        pass  # the next commit does not bring the failed block's callback back
    assert ran == []


def test_a_failed_block_without_its_own_savepoint_runs_nothing_either():
    ran: list[str] = []
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        transaction.atomic(savepoint=False),  # no savepoint of its own to roll back to
    ):
        transaction.on_commit(lambda: ran.append("never"))
        Team.objects.create(name="A", slug="same")
        Team.objects.create(name="B", slug="same")
    assert ran == []
    assert not Team.objects.filter(slug="same").exists()


def test_callbacks_registered_by_callbacks_run_too():
    ran: list[str] = []

    def second() -> None:
        ran.append("second")

    def first() -> None:
        ran.append("first")
        transaction.on_commit(second)  # at the base level: at once, as in autocommit
        ran.append("first done")

    def opens_its_own_block() -> None:
        with transaction.atomic():
            transaction.on_commit(lambda: ran.append("from the callback's block"))
            assert "from the callback's block" not in ran
        ran.append("block closed")

    with transaction.atomic():
        transaction.on_commit(first)
        transaction.on_commit(opens_its_own_block)
    assert ran == ["first", "second", "first done", "from the callback's block", "block closed"]


def test_outside_any_block_of_its_own_a_callback_runs_at_once():
    ran: list[str] = []
    transaction.on_commit(lambda: ran.append("now"))
    assert ran == ["now"]
    after_commit(ran.append, "after_commit too")
    assert ran == ["now", "after_commit too"]


def test_the_test_itself_never_commits():
    # Still inside pytest-django's transaction: the whole test is rolled back after it.
    assert connection.in_atomic_block
    with transaction.atomic():
        Team.objects.create(name="Gone after the test", slug="gone")
    assert Team.objects.filter(slug="gone").exists()


def test_the_rollback_removed_the_last_tests_row():
    assert not Team.objects.filter(slug="gone").exists()


def test_a_robust_callback_that_fails_does_not_stop_the_next(caplog):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("mail server down")

    with transaction.atomic():
        transaction.on_commit(broken, robust=True)
        transaction.on_commit(lambda: ran.append("next"))
    assert ran == ["next"]
    assert "mail server down" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_django_runs_the_callbacks_itself():
    ran: list[str] = []
    assert not connection.in_atomic_block
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]


def test_undoing_the_tests_own_monkeypatch_keeps_callbacks_running(monkeypatch):
    monkeypatch.setattr(Team, "__str__", lambda self: "patched")
    monkeypatch.undo()
    ran: list[str] = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("still"))
    assert ran == ["still"]
