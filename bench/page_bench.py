"""``python -m bench.page_bench``: the case page, the OpenAPI document and a password check,
in-process (Django's test client, no network), on a fresh SQLite database.

Prints, for a case with 3 and with 60 messages, the median (p50) and p90 of N case-page
requests and the queries each ran; the same for the case page together with the side
panels it loads after itself (what a browser asks for); the first and the following
``/api/v1/openapi.json`` requests; and one password check with the configured hasher
next to Django's default Argon2 parameters. Numbers are printed, never asserted; the
load average is printed with them (the machine is shared). Run it against another tree
(``PYTHONPATH=/path/to/other/checkout``) to compare before and after.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

PANEL_URL = re.compile(r'hx-get="(/cases/\d+/panels/[\w-]+)"')


class _Count:
    """Counts the statements run on a connection while installed (no DEBUG query log)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


def _timed(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    fn()  # warm-up, not counted
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.9))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=50, help="requests per measurement")
    args = parser.parse_args(argv)
    n = max(3, min(args.requests, 10_000))

    tmp = Path(tempfile.mkdtemp(prefix="caredesk-page-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["CAREDESK_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "false")  # as served: no query log, no template debug
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import (
        Argon2PasswordHasher,
        BasePasswordHasher,
        get_hasher,
    )
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from caredesk.core import clock
    from caredesk.demo.people import ensure_people
    from caredesk.tickets import actions
    from caredesk.tickets.models import Channel

    call_command("migrate", interactive=False, verbosity=0)
    now = clock.now() - timedelta(days=1)
    desk = ensure_people(now)
    agent_key, agent = next((k, u) for k, u in desk.staff.items() if u.role == "agent")
    team = next((desk.teams[s] for s, keys in desk.members.items() if agent_key in keys), None)
    customer = next(iter(desk.customers.values()))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(agent)

    def make_case(messages: int) -> int:
        opened = actions.do_open_ticket(
            customer=customer,
            subject=f"A case with {messages} messages",
            body="The parcel arrived damaged.",
            channel=Channel.PORTAL,
            team=team,
            now=now,
        )
        at = now
        for i in range(messages - 1):
            at += timedelta(minutes=1)
            if i % 2:
                actions.do_reply(opened, agent=agent, body=f"Reply {i}", now=at)
            else:
                actions.do_add_customer_message(
                    opened, customer=customer, body=f"Message {i}", channel=Channel.PORTAL, now=at
                )
        return opened.pk

    print(f"caredesk page bench: {n} requests per row, SQLite, in-process", flush=True)
    rows: list[tuple[str, str, str, str]] = []
    for messages in (3, 60):
        pk = make_case(messages)
        url = f"/cases/{pk}/"
        html = client.get(url).content.decode()
        panels = PANEL_URL.findall(html)

        def page(url: str = url) -> None:
            assert client.get(url).status_code == 200

        def with_panels(url: str = url, panels: list[str] = panels) -> None:
            page(url)
            for panel in panels:
                client.get(panel, HTTP_HX_REQUEST="true")

        count = _Count()
        with connection.execute_wrapper(count):
            page()
        p50, p90 = _timed(page, n)
        rows.append((f"case page, {messages} messages", f"{p50:.1f}", f"{p90:.1f}", str(count.n)))
        if panels:
            count = _Count()
            with connection.execute_wrapper(count):
                with_panels()
            p50, p90 = _timed(with_panels, n)
            rows.append(
                (
                    f"  + its {len(panels)} panels",
                    f"{p50:.1f}",
                    f"{p90:.1f}",
                    str(count.n),
                )
            )

    openapi = Client(HTTP_HOST="127.0.0.1")
    started = time.perf_counter()
    assert openapi.get("/api/v1/openapi.json").status_code == 200
    first = (time.perf_counter() - started) * 1000
    rows.append(("openapi.json, first request", f"{first:.1f}", "", ""))
    count = _Count()
    with connection.execute_wrapper(count):
        openapi.get("/api/v1/openapi.json")
    p50, p90 = _timed(lambda: openapi.get("/api/v1/openapi.json"), n)
    rows.append(("openapi.json, next requests", f"{p50:.1f}", f"{p90:.1f}", str(count.n)))

    hasher: BasePasswordHasher = get_hasher()
    default: BasePasswordHasher = Argon2PasswordHasher()
    for label, h in (
        (f"password check, {type(hasher).__name__}", hasher),
        ("password check, Django's Argon2 default", default),
    ):
        encoded = h.encode("correct horse battery staple", h.salt())

        def check(h: BasePasswordHasher = h, encoded: str = encoded) -> None:
            h.verify("correct horse battery staple", encoded)

        p50, p90 = _timed(check, max(3, n // 10))
        memory = getattr(h, "memory_cost", None)
        rows.append(
            (label + (f" ({memory // 1024} MiB)" if memory else ""), f"{p50:.1f}", f"{p90:.1f}", "")
        )

    header = ("what", "p50 ms", "p90 ms", "queries")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
    print("| " + " | ".join(h.ljust(widths[i]) for i, h in enumerate(header)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; debug={settings.DEBUG}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
