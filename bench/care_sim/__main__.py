"""``python -m bench.care_sim --days 30 --profile normal --seed 1 [--json] [--database URL]``

Runs on its own fresh in-memory SQLite database (or the PostgreSQL database given with
--database, which should be empty), migrated at start; never the dev database. The
database is thrown away at the end, so it needs no durability: in memory nothing waits
for the disk. ``--wall-limit MINUTES`` (or ``kill -USR1``) ends the run at the next whole
simulated hour after that much wall-clock time (the report then covers only the time
simulated, and says so); ``--progress`` prints a line per simulated day to stderr;
``--save-db FILE`` keeps a copy of the database to query afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.care_sim", description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--profile", choices=("normal", "stress"), default="normal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=None,
        help="first day (YYYY-MM-DD, UTC midnight); default Monday 2 November 2026",
    )
    parser.add_argument("--tick", type=int, default=None, help="minutes between heartbeats")
    parser.add_argument("--database", default="", help="an empty PostgreSQL database URL")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--json-file", default="", help="also write the result as JSON here")
    parser.add_argument(
        "--wall-limit",
        type=float,
        default=None,
        help="minutes of wall-clock time; stop at the next simulated hour after it",
    )
    # SIGUSR1 (kill -USR1 PID) also ends the run at the next simulated hour.
    parser.add_argument("--progress", action="store_true", help="a line per day on stderr")
    parser.add_argument(
        "--save-db",
        default="",
        help="copy the in-memory SQLite database to this file at the end, to query it",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 366:
        parser.error("--days must be between 1 and 366")
    return args


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _stop_on_signal() -> Callable[[], bool]:
    """``kill -USR1`` asks the run to end at the next simulated hour, with its report."""
    asked: list[bool] = []
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: asked.append(True))
    return lambda: bool(asked)


def _save(path: str) -> None:
    """sqlite3's online backup of the in-memory database into a file."""
    import sqlite3

    from django.db import connection

    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="care-sim-") as tmp:
        data = Path(tmp)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=args.database or "sqlite:///:memory:",
            CAREDESK_DATA_DIR=str(data / "data"),
            # The immediate task backend and the in-memory mail backend: the sweeps of the
            # heartbeat fire every deadline, and no mail leaves the machine.
            CAREDESK_TESTING="true",
            RATELIMIT_ENABLE="false",
            LOG_LEVEL="ERROR",
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        from bench.care_sim.profiles import config_for
        from bench.care_sim.report import render
        from bench.care_sim.run import simulate

        overrides: dict[str, object] = {"days": args.days, "seed": args.seed}
        if args.start:
            overrides["start"] = datetime.combine(args.start, datetime.min.time(), UTC)
        if args.tick:
            overrides["tick_minutes"] = args.tick
        result = simulate(
            config_for(args.profile, **overrides),
            wall_limit=None if args.wall_limit is None else args.wall_limit * 60,
            progress=_progress if args.progress else None,
            stop=_stop_on_signal(),
        )
        if args.save_db and not args.database:
            _save(args.save_db)
        text = json.dumps(result, indent=2, default=str)
        if args.json_file:
            Path(args.json_file).write_text(text + "\n")
        print(text if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
