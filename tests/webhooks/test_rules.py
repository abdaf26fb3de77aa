"""The rules on their own: retry schedule, filters, address checks, excerpts, settings,
and what the consumer costs."""

from __future__ import annotations

import ipaddress
import os
import random
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.channels.webhooks import consumer, delivery, validation
from caredesk.channels.webhooks.models import Delivery
from caredesk.channels.webhooks.transport import sanitise
from caredesk.core import events
from caredesk.core.effects import suppress_effects
from tests.webhooks.conftest import make_endpoint


def test_the_retry_schedule_spans_more_than_a_day_with_jitter():
    shortest = sum((d * (1 - delivery.JITTER) for d in delivery.RETRY_DELAYS), timedelta())
    assert shortest >= timedelta(hours=24)
    assert delivery.MAX_ATTEMPTS == 8
    rng = random.Random(7)
    waits = [delivery.retry_delay(n, rng) for n in range(1, delivery.MAX_ATTEMPTS)]
    assert all(w is not None for w in waits)
    assert timedelta(seconds=54) <= waits[0] <= timedelta(seconds=66)
    assert waits[:-1] == sorted(waits[:-1])  # growing (the last two are both ~12 h)
    assert delivery.retry_delay(delivery.MAX_ATTEMPTS) is None
    assert len({delivery.retry_delay(1) for _ in range(20)}) > 1  # really jittered


@pytest.mark.parametrize(
    ("patterns", "kind", "expected"),
    [
        (["*"], "case.created", True),
        (["*"], "webhook.disabled", False),
        (["case.*"], "case.created", True),
        (["case.*"], "case.status.changed", True),
        (["case.*"], "cases.created", False),
        (["case.*"], "case", False),
        (["message.added"], "message.added", True),
        (["message.added"], "message.added.x", False),
        (["promise.missed", "sla.*"], "sla.breached", True),
        ([], "case.created", False),
    ],
)
def test_event_filters(patterns, kind, expected):
    assert validation.matches(patterns, kind) is expected


def test_event_filters_are_cleaned_and_deduplicated():
    assert validation.clean_patterns([" case.* ", "case.*", "", "*"]) == ["case.*", "*"]


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("127.0.0.1", True),
        ("10.0.0.1", True),
        ("172.31.255.255", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("224.0.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd12:3456::1", True),
        ("::ffff:10.0.0.1", True),
        ("::", True),
    ],
)
def test_address_rules(settings, address, refused):
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = False
    assert bool(validation.address_problem(ipaddress.ip_address(address))) is refused
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = True
    assert validation.address_problem(ipaddress.ip_address(address)) == ""


def test_excerpts_escape_what_cannot_be_shown_and_stop_at_1_kb():
    assert sanitise(b"fine\ttext\nhere") == "fine\ttext\nhere"
    assert sanitise(b"\x00\x07\x1b\x7f") == "\\x00\\x07\\x1b\\x7f"
    assert sanitise(b"caf\xc3\xa9 \xff") == "café \\xff"
    assert sanitise("\u202e".encode()) == "\u202e"  # shown as text; escaped as HTML on output
    long = sanitise(b"x" * 5000)
    assert len(long) == 1025 and long.endswith("…")


def _load_settings(env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAREDESK_", "SECRET"))}
    code = "import config.settings as s; print(s.CAREDESK_WEBHOOK_ALLOW_PRIVATE)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_private_addresses_are_refused_by_default_in_production(tmp_path):
    production = {
        "CAREDESK_ENV": "production",
        "SECRET_KEY": "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
        "ALLOWED_HOSTS": "desk.example.com",
        "CAREDESK_DATA_DIR": str(tmp_path),
    }
    assert _load_settings(production).stdout.strip() == "False"
    development = {"CAREDESK_DATA_DIR": str(tmp_path), "CAREDESK_TESTING": "true"}
    assert _load_settings(development).stdout.strip() == "True"
    bad = _load_settings({**development, "CAREDESK_WEBHOOK_READ_TIMEOUT": "0"})
    assert bad.returncode != 0 and "CAREDESK_WEBHOOK_READ_TIMEOUT" in bad.stderr


def test_the_consumer_costs_one_query_without_endpoints_and_one_insert_with(desk, now):
    with suppress_effects():
        ids = [events.emit("case.created", now=now, ticket_id=1).pk for _ in range(3)]
    with CaptureQueriesContext(connection) as ctx:
        consumer.on_events(ids)
    assert len(ctx.captured_queries) == 1

    make_endpoint(desk, "http://127.0.0.1:9/a", events=["case.*"])
    make_endpoint(desk, "http://127.0.0.1:9/b", events=["*"])

    def count(n):
        with suppress_effects():
            ids = [events.emit("case.created", now=now, ticket_id=1).pk for _ in range(n)]
        with suppress_effects(), CaptureQueriesContext(connection) as ctx:
            consumer.on_events(ids)
        inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == 1
        return len(ctx.captured_queries)

    assert count(2) == count(20)
    assert Delivery.objects.count() == 2 * 2 + 2 * 20


def test_old_finished_deliveries_leave_the_log(desk, now, settings):
    from caredesk.channels.webhooks import jobs
    from caredesk.channels.webhooks.models import DeliveryState

    settings.CAREDESK_WEBHOOK_LOG_DAYS = 30
    make_endpoint(desk, "http://127.0.0.1:9/a", events=["case.*"])
    with suppress_effects():
        ids = [events.emit("case.created", now=now, ticket_id=1).pk for _ in range(4)]
        consumer.queue_deliveries(ids)
    rows = list(Delivery.objects.order_by("pk"))
    Delivery.objects.filter(pk__in=[r.pk for r in rows[:3]]).update(
        created_at=now - timedelta(days=31), state=DeliveryState.SUCCEEDED
    )
    Delivery.objects.filter(pk=rows[0].pk).update(state=DeliveryState.PENDING)
    assert jobs.purge_log(now) == "2 old deliveries deleted"
    assert list(Delivery.objects.order_by("pk").values_list("pk", flat=True)) == [
        rows[0].pk,
        rows[3].pk,
    ]
    assert jobs.purge_log(now) is None
