"""A Prometheus ``/metrics`` endpoint: request latency, task queue, outbox, email intake,
SLA breaches and open cases (docs/operations.md).

Request latency is measured in each web process by :class:`RequestLatencyMiddleware`. Under
gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory, as
prometheus-client documents, and every scrape sums all processes. The desk's own figures
(queue depth, outbox backlog, ...) are read from the database at scrape time with a few
indexed counts, so they are the same whichever process answers.

The endpoint is closed unless the scraper presents ``CAREDESK_METRICS_TOKEN`` as a bearer
token, or, with no token configured, connects from loopback.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from caredesk.channels.email.models import RawMessage, RawState
from caredesk.core import clock
from caredesk.core.models import OutboundEmail, OutboundState
from caredesk.tickets.models import OPEN_STATUSES, Ticket

from . import queue

REGISTRY = CollectorRegistry()

REQUEST_SECONDS = Histogram(
    "caredesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by view and status class.",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

PENDING_OUTBOUND = (OutboundState.QUEUED, OutboundState.SENDING, OutboundState.RETRYING)
INTAKE_WINDOW = timedelta(minutes=5)


class DeskCollector(Collector):
    """The desk's state, read from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock.now()
        depth = queue.depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "caredesk_task_queue_depth", "Tasks waiting in the queue.", value=depth
            )
            yield GaugeMetricFamily(
                "caredesk_task_queue_oldest_seconds",
                "How long the longest-waiting runnable task has been due.",
                value=queue.oldest_ready_seconds(now) or 0.0,
            )
        pending = OutboundEmail.objects.filter(state__in=PENDING_OUTBOUND)
        yield GaugeMetricFamily(
            "caredesk_outbox_backlog",
            "Mails not yet handed to the SMTP server.",
            value=pending.count(),
        )
        oldest = pending.aggregate(first=Min("created_at"))["first"]
        yield GaugeMetricFamily(
            "caredesk_outbox_oldest_seconds",
            "Age of the oldest mail not yet handed to the SMTP server.",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
        received = RawMessage.objects.filter(
            state__in=RawState.values, received_at__gte=now - INTAKE_WINDOW
        ).count()
        yield GaugeMetricFamily(
            "caredesk_email_intake_per_minute",
            "Inbound mails stored per minute, averaged over the last five minutes.",
            value=received / (INTAKE_WINDOW.total_seconds() / 60),
        )
        yield GaugeMetricFamily(
            "caredesk_email_quarantined",
            "Inbound mails in quarantine (kept, not filed; see the mail admin).",
            value=RawMessage.objects.filter(state=RawState.QUARANTINED).count(),
        )
        open_cases = Ticket.objects.filter(status__in=OPEN_STATUSES)
        yield GaugeMetricFamily(
            "caredesk_sla_breached_open_cases",
            "Open cases whose SLA target has been missed.",
            value=open_cases.filter(sla_breached=True).count(),
        )
        by_status = GaugeMetricFamily(
            "caredesk_open_cases", "Open cases by status.", labels=["status"]
        )
        counts = dict(
            open_cases.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        for status in OPEN_STATUSES:
            by_status.add_metric([str(status)], counts.get(status, 0))
        yield by_status


REGISTRY.register(DeskCollector())


def scrape_registry() -> CollectorRegistry:
    """This process's registry, or, in gunicorn's multiprocess mode, all processes'."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(DeskCollector())
    return registry


LOOPBACK = {"127.0.0.1", "::1"}


def allowed(request: HttpRequest) -> bool:
    token = str(getattr(settings, "CAREDESK_METRICS_TOKEN", "") or "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR", "") in LOOPBACK


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(
            "metrics need CAREDESK_METRICS_TOKEN as a bearer token\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


class RequestLatencyMiddleware:
    """Observes every request's duration under its view's name (bounded labels: a URL
    that resolves to no view is counted as "unresolved")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unresolved"
        REQUEST_SECONDS.labels(
            method=request.method if request.method in KNOWN_METHODS else "other",
            view=view,
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
