"""``make bench``: how caredesk's hot paths scale with the number of cases.

For SQLite (a temporary file) and PostgreSQL (database ``caredesk_bench``, created and
dropped here, if a server answers at --pg-url), it bulk-generates cases up to each size
and prints medians of:

- opening a case through ``do_open_ticket`` (latency and cases per second),
- the inbox first page (open cases, newest activity first, 50 rows) for an agent and
  for a manager,
- full-text search for a common word ("delivery"),
- a case page (the case, its messages and its audit events).

Numbers are printed, never asserted. Each database runs in its own child process
(``bench.measure``) because Django reads the database from the environment at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "caredesk_bench"


def _run_child(
    label: str, database_url: str, args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    out = tmp / f"{label}.json"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAREDESK_DATA_DIR": str(tmp / f"{label}-data"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "BENCH_LABEL": label,
    }
    command = [
        sys.executable,
        "-m",
        "bench.measure",
        "--sizes",
        ",".join(str(s) for s in args.sizes),
        "--repeat",
        str(args.repeat),
        "--opens",
        str(args.opens),
        "--out",
        str(out),
    ]
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _pg_admin(url: str) -> Any:
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        connect_timeout=3,
        autocommit=True,
    )


def _postgres(args: argparse.Namespace, tmp: Path) -> dict[str, Any] | None:
    import psycopg

    try:
        admin = _pg_admin(args.pg_url)
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: no server at {args.pg_url} ({exc})".strip(), flush=True)
        return None
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        url = args.pg_url.rstrip("/") + "/" + BENCH_DB
        return _run_child("postgresql", url, args, tmp)
    finally:
        with _pg_admin(args.pg_url) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _table(results: list[dict[str, Any]]) -> str:
    header = (
        "database",
        "cases",
        "open case",
        "opens/s",
        "inbox agent",
        "inbox manager",
        "search agent",
        "search manager",
        "case page",
    )
    lines = [header]
    for result in results:
        name = f"{result['vendor']} {result['version']}"
        for row in result["rows"]:
            lines.append(
                (
                    name,
                    f"{row['size']:,}",
                    f"{row['open_ms']:.1f} ms",
                    f"{row['open_per_s']:.0f}",
                    f"{row['inbox_agent_ms']:.1f} ms",
                    f"{row['inbox_manager_ms']:.1f} ms",
                    f"{row['search_agent_ms']:.1f} ms",
                    f"{row['search_manager_ms']:.1f} ms",
                    f"{row['case_page_ms']:.1f} ms",
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |"
        for line in lines
    ]
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([rendered[0], rule, *rendered[1:]])


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are whole numbers, e.g. 10000,100000") from None
    if not sizes or sizes[0] < 100 or sizes[-1] > 5_000_000:
        raise argparse.ArgumentTypeError("each size must be between 100 and 5,000,000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=15, help="runs per read measurement")
    parser.add_argument("--opens", type=int, default=200, help="cases opened per size")
    args = parser.parse_args(argv)
    databases = {d.strip() for d in args.databases.split(",")}

    print(
        f"caredesk benchmark: sizes {', '.join(f'{s:,}' for s in args.sizes)}; "
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="caredesk-bench-") as name:
        tmp = Path(name)
        if "sqlite" in databases:
            results.append(_run_child("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", args, tmp))
        if "postgresql" in databases:
            pg = _postgres(args, tmp)
            if pg is not None:
                results.append(pg)
    print(flush=True)
    print(
        f"Medians of {args.repeat} runs (at least 3 when a run takes over 2 s); "
        f"open case: median latency of {args.opens} opens, and their throughput."
    )
    print(_table(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
