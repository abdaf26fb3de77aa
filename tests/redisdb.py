"""The real Redis on 127.0.0.1:6379 for the tests: a Redis database number of its own and a
key prefix of its own per test, emptied afterwards.

Without a Redis there, the tests that need one are skipped with the reason, except in CI
(``CI`` set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

HOST = os.environ.get("CAREDESK_TEST_REDIS_HOST", "127.0.0.1")
PORT = int(os.environ.get("CAREDESK_TEST_REDIS_PORT", "6379"))
# Database numbers the tests may take (0 is left to whoever runs Redis here).
NUMBERS = range(15, 3, -1)
CLAIM = "caredesk-tests:claimed"


@dataclass(frozen=True)
class RedisDB:
    number: int
    prefix: str
    client: redis.Redis

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{PORT}/{self.number}"


def _reachable() -> redis.Redis | None:
    client = redis.Redis(host=HOST, port=PORT, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return None
    return client


@pytest.fixture
def redis_db() -> Iterator[RedisDB]:
    """An empty Redis database that this test holds (claimed with a key, so parallel
    test runs never share one), flushed when the test ends."""
    probe = _reachable()
    if probe is None:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but {HOST}:{PORT} is unreachable")
        pytest.skip(f"no Redis at {HOST}:{PORT} (start one to run these tests)")
    probe.close()
    token = secrets.token_hex(6)
    for number in NUMBERS:
        client = redis.Redis(host=HOST, port=PORT, db=number)
        if client.dbsize() == 0 and client.set(CLAIM, token, nx=True, ex=3600):
            try:
                yield RedisDB(number, f"caredesk-test-{token}", client)
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    pytest.skip(f"every Redis database {NUMBERS.stop + 1}-{NUMBERS.start} is in use")
