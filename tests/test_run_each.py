"""Batch tasks run every id even when one of them fails, and still report the failure."""

from __future__ import annotations

import pytest

from caredesk.core.effects import run_each


def test_one_failing_id_does_not_stop_the_others(caplog):
    done = []

    def work(pk: int) -> None:
        if pk == 2:
            raise ValueError("bad row")
        done.append(pk)

    with pytest.raises(RuntimeError, match=r"work failed for \[2\]"):
        run_each(work, [1, 2, 3])
    assert done == [1, 3]
    assert "work failed for 2" in caplog.text
