"""/metrics as Prometheus scrapes it: the desk's state, request latency, and closed to
everyone but the scraper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from caredesk.channels.email.models import RawMessage, RawState
from caredesk.core import clock
from caredesk.core.models import OutboundEmail, OutboundState
from caredesk.tickets import actions
from caredesk.tickets.models import Channel

pytestmark = pytest.mark.django_db


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def outbound(n: int, state: str) -> None:
    for i in range(n):
        OutboundEmail.objects.create(
            kind=OutboundEmail.Kind.REPLY,
            to=f"c{i}@example.test",
            from_email="support@desk.test",
            subject="Re: x",
            text="x",
            rfc_message_id=f"<{state}-{i}@desk.test>",
            state=state,
            created_at=clock.now() - timedelta(minutes=10),
        )


def test_metrics_show_the_desk_state(client, desk):
    now = clock.now()
    for i in range(3):
        actions.do_open_ticket(
            customer=desk.alice, subject=f"Case {i}", body="Help", channel=Channel.PORTAL, now=now
        )
    outbound(2, OutboundState.QUEUED)
    outbound(1, OutboundState.SENT)
    RawMessage.objects.create(
        channel="http",
        sha256="0" * 64,
        size=1,
        raw=b"x",
        state=RawState.QUARANTINED,
        received_at=now,
    )
    client.get("/healthz")  # one request to time

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    got = samples(response)
    assert got[("caredesk_open_cases", (("status", "new"),))] == 3
    assert got[("caredesk_outbox_backlog", ())] == 2
    assert got[("caredesk_outbox_oldest_seconds", ())] >= 600
    assert got[("caredesk_email_quarantined", ())] == 1
    assert got[("caredesk_email_intake_per_minute", ())] == pytest.approx(0.2)
    assert got[("caredesk_sla_breached_open_cases", ())] == 0
    healthz = (
        "caredesk_http_request_duration_seconds_count",
        (("method", "GET"), ("status", "2xx"), ("view", "healthz")),
    )
    assert got[healthz] >= 1


def test_metrics_count_the_database_task_queue(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from caredesk.core.tasks import deliver_outbound

    deliver_outbound.enqueue(1)
    got = samples(client.get("/metrics", REMOTE_ADDR="127.0.0.1"))
    assert got[("caredesk_task_queue_depth", ())] == 1
    assert got[("caredesk_task_queue_oldest_seconds", ())] >= 0


def test_metrics_are_closed_to_other_addresses_without_a_token(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"caredesk_" not in response.content


def test_metrics_with_a_token_need_the_token_even_from_loopback(client, settings):
    settings.CAREDESK_METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", REMOTE_ADDR="203.0.113.9")
    assert wrong.status_code == 403
    right = client.get(
        "/metrics",
        HTTP_AUTHORIZATION="Bearer s3cret-scrape-token",
        REMOTE_ADDR="203.0.113.9",
    )
    assert right.status_code == 200
    assert b"caredesk_open_cases" in right.content


def test_unknown_urls_do_not_grow_the_label_set(client):
    for i in range(5):
        client.get(f"/no-such-page-{i}")
    got = samples(client.get("/metrics", REMOTE_ADDR="127.0.0.1"))
    views = {dict(labels).get("view") for (name, labels) in got if "duration" in name}
    assert not any(v and v.startswith("no-such") for v in views)
