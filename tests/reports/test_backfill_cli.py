"""``caredesk reports backfill --days N``: progress output, and bad input refused."""

from __future__ import annotations

import pytest

from caredesk import cli
from caredesk.reports.models import AggregateRun, CareDay
from tests.reports.conftest import D, solved_once


def test_backfill_rebuilds_every_table_with_progress(desk, frozen, capsys):
    solved_once(desk, frozen - 20 * D)
    assert cli.main(["reports", "backfill", "--days", "25"]) == 0
    out = capsys.readouterr().out
    assert "(1/26 days)" in out and "(26/26 days)" in out
    assert "every report table rebuilt for 26 days" in out
    assert CareDay.objects.filter(day=(frozen - 20 * D).date(), resolved=1).exists()
    assert AggregateRun.objects.filter(name="waiting").exists()


@pytest.mark.parametrize("days", ["-1", "abc", "99999", "1e3", "", "3661"])
def test_backfill_refuses_bad_days(desk, days, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["reports", "backfill", "--days", days])
    assert exit_info.value.code == 2
    assert "--days" in capsys.readouterr().err
    assert not CareDay.objects.exists()
