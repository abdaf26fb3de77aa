"""With REDIS_URL, the cache, the rate limits and the operations views use the real Redis
(tests/redisdb.py: a database number and key prefix of this test's own). Before issue 16
setting REDIS_URL crashed every rate-limited view: the redis package was missing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.db import connection

from caredesk.core import clock
from caredesk.core.models import WorkerLease
from caredesk.core.tasks import deliver_outbound
from tests.ops.test_metrics import samples
from tests.redisdb import RedisDB, redis_db  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings, redis_db: RedisDB):  # noqa: F811
    settings.REDIS_URL = redis_db.url
    settings.CAREDESK_REDIS_KEY_PREFIX = redis_db.prefix
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_db.url,
            "KEY_PREFIX": redis_db.prefix,
        }
    }
    return redis_db


def our_keys(db: RedisDB) -> list[str]:
    return sorted(k.decode() for k in db.client.keys("*") if k != b"caredesk-tests:claimed")


def db_cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM caredesk_cache")
        return int(cursor.fetchone()[0])


def test_the_cache_lives_in_redis_under_the_prefix(redis_cache):
    cache.set("greeting", {"text": "hello"}, 30)
    assert cache.get("greeting") == {"text": "hello"}
    keys = our_keys(redis_cache)
    assert keys == [f"{redis_cache.prefix}:1:greeting"]
    assert 0 < redis_cache.client.ttl(keys[0]) <= 30


def test_sign_in_links_are_rate_limited_in_redis(desk, client, redis_cache):
    before = db_cache_rows()
    codes = [
        client.post("/portal/signin/", {"email": "alice@acme.test"}).status_code for _ in range(6)
    ]
    assert codes == [302] * 5 + [429]
    assert any(key.startswith(f"{redis_cache.prefix}:1:rl:") for key in our_keys(redis_cache))
    assert db_cache_rows() == before  # nothing in the database cache table


def test_a_limit_is_shared_by_every_process(desk, client, redis_cache, settings):
    """Another web process is another Django cache client on the same Redis: the count
    it keeps is the one this process keeps."""
    for _ in range(5):
        assert client.post("/portal/signin/", {"email": "alice@acme.test"}).status_code == 302
    caches["default"].close()  # a fresh connection, as in another process
    assert client.post("/portal/signin/", {"email": "alice@acme.test"}).status_code == 429


def test_readyz_checks_the_redis_cache(client, redis_cache):
    now = clock.now()
    WorkerLease.objects.create(
        worker_id="w",
        host="test",
        pid=1,
        started_at=now,
        heartbeat_at=now,
        expires_at=now + timedelta(seconds=30),
    )
    body = client.get("/readyz").json()
    assert body["checks"]["cache"] == {"ok": True, "detail": "RedisCache"}
    assert redis_cache.client.exists(f"{redis_cache.prefix}:1:caredesk:readyz")


def test_readyz_and_metrics_see_the_rq_queue(client, redis_cache, settings):
    settings.TASKS = {
        "default": {"BACKEND": "caredesk.core.redis_queue.RQBackend", "QUEUES": ["default"]}
    }
    settings.RQ_QUEUES = {"default": {"URL": redis_cache.url, "DEFAULT_TIMEOUT": 60}}
    for pk in (1, 2, 3):
        deliver_outbound.enqueue(pk)
    deliver_outbound.using(run_after=clock.now() + timedelta(hours=1)).enqueue(4)
    body = client.get("/readyz").json()
    assert body["checks"]["task_queue"] == {"ok": True, "detail": "4 waiting"}
    assert body["checks"]["worker"]["ok"] is False  # no lease: no worker runs them
    got = samples(client.get("/metrics", REMOTE_ADDR="127.0.0.1"))
    assert got[("caredesk_task_queue_depth", ())] == 4
    assert got[("caredesk_task_queue_oldest_seconds", ())] >= 0
