"""Playwright driving Debian's Chromium against a live caredesk server."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.sso_provider import CLIENT_ID, CLIENT_SECRET, Provider

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _wait_for_server_requests_to_finish(timeout: float = 10.0) -> None:
    """Closing the browser does not stop a request the live server is still serving (an
    htmx poll, a presence beat). On PostgreSQL that request's transaction and the
    database flush after the test can deadlock, so wait until no other session on the
    test database is busy. SQLite's in-memory test database is shared by the server's
    threads and needs no wait."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " AND state IS DISTINCT FROM 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is required for browser tests: apt-get install chromium")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # The cache (rate-limit counters, presence) lives in a database table that the flush
    # between live-server tests does not empty: without this, the sign-ins of earlier
    # tests in the same database count against the next one's and /login/ answers 429.
    cache.clear()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    in_flight: set[object] = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    yield page
    # Let requests the page still has open (lazy panels, an htmx poll) finish before the
    # browser goes and the database is flushed: a request the live server is still
    # serving writes into the flush (SQLite's shared in-memory database, PostgreSQL's
    # locks) and breaks the next test.
    deadline = time.monotonic() + 5
    while in_flight and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    context.close()
    _wait_for_server_requests_to_finish()
    # A Content-Security-Policy violation or a script error is a bug the user would meet.
    assert not errors, errors


@pytest.fixture
def provider(settings):
    """A real OpenID provider on loopback (tests/sso_provider.py), with caredesk pointed at
    it: the "support" group signs in as an agent of Billing, no two-factor step."""
    running = Provider().start()
    settings.CAREDESK_OIDC_ISSUER = running.issuer
    settings.CAREDESK_OIDC_CLIENT_ID = CLIENT_ID
    settings.CAREDESK_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.CAREDESK_OIDC_PROVIDER_NAME = "Acme ID"
    settings.CAREDESK_OIDC_GROUPS = "support=agent:Billing"
    settings.CAREDESK_TWO_FACTOR_ROLES = []
    yield running
    running.stop()
