"""The load driver of bench/scale.py: loopback only, bounded, every response counted."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.scale import MAX_CONNECTIONS, drive


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 404 if self.path == "/missing" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_it_refuses_any_host_but_the_loopback():
    with pytest.raises(ValueError, match="loopback"):
        drive(
            "example.com",
            80,
            "x",
            lambda r: ("GET", "/", None),
            headers={},
            connections=1,
            seconds=1,
        )


def test_it_stops_at_its_request_bound_and_counts_errors(server):
    outcome = drive(
        "127.0.0.1",
        server,
        "hello",
        lambda r: ("GET", "/missing" if r.random() < 0.5 else "/", None),
        headers={},
        connections=500,
        seconds=30,
        max_requests=200,
    )
    row = outcome.row()
    assert outcome.connections == MAX_CONNECTIONS
    assert row["requests"] == 200
    assert row["errors"] == outcome.statuses[404] > 0
    assert row["p50_ms"] is not None and row["p99_ms"] >= row["p50_ms"]
