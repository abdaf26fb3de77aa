"""A real HTTP receiver on loopback, and helpers to make endpoints and events."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from caredesk.channels.webhooks import actions, delivery
from caredesk.channels.webhooks.models import Delivery
from caredesk.core import clock
from caredesk.tickets.actions import do_open_ticket
from caredesk.tickets.models import Channel


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    trickle: bool = False  # send a status line, then one header byte every 50 ms
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: object  # email.message.Message: case-insensitive .get()
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Receiver:
    """Records every POST; answers with the scripted answers in turn, then ``default``."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: list[Answer] = []
        self.default = Answer()
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(Received(self.path, self.headers, body))
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                if answer.delay:
                    receiver.release.wait(answer.delay)
                if answer.trickle:
                    try:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                        while not receiver.release.wait(0.05):
                            self.wfile.write(b"a")
                            self.wfile.flush()
                    except OSError:
                        pass
                    return
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, format, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hooks/caredesk") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: Answer | int) -> None:
        with self.lock:
            self.script.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def kinds(self) -> list[str]:
        return [r.json["kind"] for r in self.requests]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = True
    settings.CAREDESK_WEBHOOK_CONNECT_TIMEOUT = 2.0
    settings.CAREDESK_WEBHOOK_READ_TIMEOUT = 2.0


def make_endpoint(desk, url: str, events=("*",), now=None):
    return actions.do_create_endpoint(
        actor=desk.admin, url=url, events=list(events), now=now or clock.now()
    )


def open_case(desk, now, subject="Delivery came outside the window"):
    return do_open_ticket(
        customer=desk.alice,
        subject=subject,
        body="The van came at 7pm although I booked 8-12.",
        channel=Channel.PORTAL,
        now=now,
    )


def later(minutes: float = 0, hours: float = 0):
    """A time after every delivery the tests have queued (they are due at clock.now())."""
    return clock.now() + timedelta(minutes=minutes, hours=hours)


@contextlib.contextmanager
def endpoint_busy(endpoint):
    """Another worker holds the endpoint: deliveries queue up but are not sent."""
    token = delivery.claim_endpoint(endpoint.pk, clock.now())
    assert token is not None
    try:
        yield
    finally:
        delivery.release(endpoint.pk, token)


def deliveries(endpoint) -> list[Delivery]:
    return list(Delivery.objects.filter(endpoint=endpoint).order_by("id"))


def documented_verifier():
    """The verification snippet exactly as docs/webhooks.md shows it."""
    text = (Path(django_settings.BASE_DIR) / "docs" / "webhooks.md").read_text()
    section = text.split("## Verifying the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)
    return namespace["verify_caredesk_webhook"]
