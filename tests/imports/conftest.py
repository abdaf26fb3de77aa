"""A local server speaking Zendesk's documented REST export formats (Support API v2):
``next_page`` pagination, the cursor-based incremental ticket export, comments with
attachment ``content_url`` links, and a 429 with ``Retry-After`` now and then."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

PHOTO = b"\x89PNG\r\n fake photo bytes " * 100


def zendesk_data() -> dict[str, Any]:
    users = [
        {"id": 1, "name": "Alma Agent", "email": "alma@old-desk.test", "role": "agent"},
        {"id": 2, "name": "Ari Admin", "email": "ari@old-desk.test", "role": "admin"},
        {
            "id": 10,
            "name": "Maria Lopez",
            "email": "maria@example.test",
            "role": "end-user",
            "organization_id": 100,
        },
        {"id": 11, "name": "Tom Berg", "email": "tom@example.test", "role": "end-user"},
        {"id": 12, "name": "No Mail", "email": None, "role": "end-user"},
    ]
    tickets = [
        {
            "id": 501,
            "subject": "Delivery window missed",
            "status": "solved",
            "priority": "high",
            "requester_id": 10,
            "assignee_id": 1,
            "group_id": 7,
            "tags": ["delivery", "vip"],
            "created_at": "2026-10-01T09:00:00Z",
            "updated_at": "2026-10-02T10:00:00Z",
        },
        {
            "id": 502,
            "subject": "Invoice question",
            "status": "open",
            "priority": None,
            "requester_id": 11,
            "assignee_id": None,
            "group_id": None,
            "tags": [],
            "created_at": "2026-10-03T08:00:00Z",
            "updated_at": "2026-10-03T08:00:00Z",
        },
        {
            "id": 503,
            "subject": "From a ghost",
            "status": "open",
            "priority": "low",
            "requester_id": 999,
            "created_at": "2026-10-04T08:00:00Z",
        },
        {
            "id": 504,
            "subject": "Strange status",
            "status": "weird",
            "requester_id": 10,
            "created_at": "2026-10-05T08:00:00Z",
        },
        {
            "id": 505,
            "subject": "Pending with a lost file",
            "status": "pending",
            "priority": "urgent",
            "requester_id": 10,
            "created_at": "2026-10-06T08:00:00Z",
        },
    ]
    comments = {
        501: [
            {
                "id": 9001,
                "author_id": 10,
                "public": True,
                "created_at": "2026-10-01T09:00:00Z",
                "body": "The van came at 7pm although I booked 8-12.",
                "attachments": [
                    {
                        "id": 1,
                        "file_name": "door.png",
                        "content_type": "image/png",
                        "size": len(PHOTO),
                        "content_url": "/files/door.png",
                    }
                ],
            },
            {
                "id": 9002,
                "author_id": 1,
                "public": True,
                "created_at": "2026-10-01T10:00:00Z",
                "body": "Sorry Maria, we will deliver tomorrow between 8 and 10.",
            },
            {
                "id": 9003,
                "author_id": 1,
                "public": False,
                "created_at": "2026-10-01T10:05:00Z",
                "body": "Called the carrier, slot confirmed.",
            },
            {
                "id": 9004,
                "author_id": 10,
                "public": True,
                "created_at": "2026-10-02T09:30:00Z",
                "body": "It arrived, thank you.",
            },
        ],
        502: [
            {
                "id": 9101,
                "author_id": 11,
                "public": True,
                "created_at": "2026-10-03T08:00:00Z",
                "body": "Why was I charged twice? <script>alert(1)</script>",
            },
            {
                "id": 9102,
                "author_id": 77,
                "public": False,
                "created_at": "2026-10-03T09:00:00Z",
                "body": "Note from someone who left.",
            },
        ],
        503: [
            {
                "id": 9201,
                "author_id": 999,
                "public": True,
                "created_at": "2026-10-04T08:00:00Z",
                "body": "Hello?",
            }
        ],
        504: [
            {
                "id": 9301,
                "author_id": 10,
                "public": True,
                "created_at": "2026-10-05T08:00:00Z",
                "body": "Hm.",
            }
        ],
        505: [
            {
                "id": 9401,
                "author_id": 10,
                "public": True,
                "created_at": "2026-10-06T08:00:00Z",
                "body": "Here is the receipt.",
                "attachments": [
                    {
                        "id": 2,
                        "file_name": "receipt.pdf",
                        "content_type": "application/pdf",
                        "size": 1234,
                        "content_url": "/files/missing.pdf",
                    },
                    {
                        "id": 3,
                        "file_name": "huge.mov",
                        "content_type": "video/quicktime",
                        "size": 900 * 1024 * 1024,
                        "content_url": "/files/huge.mov",
                    },
                ],
            },
        ],
    }
    return {
        "users": users,
        "organizations": [{"id": 100, "name": "Lopez Family Ltd"}],
        "groups": [{"id": 7, "name": "Deliveries"}],
        "tickets": tickets,
        "comments": comments,
        "files": {"/files/door.png": PHOTO},
    }


class FakeZendesk:
    def __init__(self) -> None:
        self.data = zendesk_data()
        self.requests: list[str] = []
        self.auth: list[str | None] = []
        self.throttle_once: set[str] = {"/api/v2/users.json"}
        self.broken: dict[str, tuple[int, bytes]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _page(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        data = self.data
        if path == "/api/v2/users.json":
            page = int(query.get("page", ["1"])[0])
            rows = data["users"][(page - 1) * 3 : page * 3]
            more = page * 3 < len(data["users"])
            nxt = f"{self.url}/api/v2/users.json?page={page + 1}" if more else None
            return 200, {"users": rows, "next_page": nxt, "count": len(data["users"])}
        if path == "/api/v2/organizations.json":
            return 200, {"organizations": data["organizations"], "next_page": None}
        if path == "/api/v2/groups.json":
            return 200, {"groups": data["groups"], "next_page": None}
        if path == "/api/v2/incremental/tickets/cursor.json":
            cursor = query.get("cursor", ["0"])[0]
            start = int(cursor)
            rows = data["tickets"][start : start + 2]
            end = start + 2 >= len(data["tickets"])
            after = f"{self.url}{path}?cursor={start + 2}"
            return 200, {
                "tickets": rows,
                "after_cursor": str(start + 2),
                "after_url": after,
                "end_of_stream": end,
            }
        if path.startswith("/api/v2/tickets/") and path.endswith("/comments.json"):
            ticket_id = int(path.split("/")[4])
            return 200, {"comments": data["comments"].get(ticket_id, []), "next_page": None}
        return 404, {"error": "RecordNotFound"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.requests.append(self.path)
                fake.auth.append(self.headers.get("Authorization"))
                if parts.path in fake.throttle_once:
                    fake.throttle_once.discard(parts.path)
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                if parts.path in fake.broken:
                    status, body = fake.broken[parts.path]
                    self._send(status, body, "application/json")
                    return
                if parts.path in fake.data["files"]:
                    self._send(200, fake.data["files"][parts.path], "application/octet-stream")
                    return
                status, payload = fake._page(parts.path, parse_qs(parts.query))
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
