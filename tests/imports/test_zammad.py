"""Importing from Zammad's REST API (a local server in its documented formats)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from caredesk.feedback.models import Survey
from caredesk.imports.http import Client
from caredesk.imports.importer import Importer
from caredesk.imports.zammad import PER_PAGE, ZammadReader
from caredesk.tickets.models import Attachment, Message, MessageKind, Ticket
from tests.imports.conftest import sha

FILE = b"%PDF-1.4 invoice " * 50


def _data() -> dict[str, Any]:
    customers = [
        {
            "id": 100 + n,
            "firstname": "Cust",
            "lastname": str(n),
            "email": f"c{n}@example.test",
            "role_ids": [3],
            "organization_id": 5 if n == 0 else None,
        }
        for n in range(PER_PAGE + 5)  # two pages
    ]
    return {
        "roles": [
            {"id": 1, "name": "Admin"},
            {"id": 2, "name": "Agent"},
            {"id": 3, "name": "Customer"},
        ],
        "groups": [{"id": 1, "name": "Users"}, {"id": 2, "name": "Billing"}],
        "ticket_states": [
            {"id": 1, "name": "new"},
            {"id": 2, "name": "open"},
            {"id": 4, "name": "closed"},
            {"id": 5, "name": "merged"},
            {"id": 6, "name": "pending reminder"},
        ],
        "ticket_priorities": [
            {"id": 1, "name": "1 low"},
            {"id": 2, "name": "2 normal"},
            {"id": 3, "name": "3 high"},
        ],
        "organizations": [{"id": 5, "name": "Nordwind GmbH"}],
        "users": [
            {"id": 1, "firstname": "-", "lastname": "", "email": "", "role_ids": []},  # nobody
            {
                "id": 2,
                "firstname": "Greta",
                "lastname": "Agent",
                "email": "greta@zammad.test",
                "role_ids": [2],
            },
            *customers,
        ],
        "tickets": [
            {
                "id": 11,
                "title": "Invoice twice",
                "group_id": 2,
                "state_id": 4,
                "priority_id": 3,
                "owner_id": 2,
                "customer_id": 100,
                "created_at": "2026-08-01T10:00:00.000Z",
            },
            {
                "id": 12,
                "title": "Merged away",
                "group_id": 1,
                "state_id": 5,
                "priority_id": 2,
                "owner_id": 1,
                "customer_id": 101,
                "created_at": "2026-08-02T10:00:00.000Z",
            },
            {
                "id": 13,
                "title": "Waiting",
                "group_id": 1,
                "state_id": 6,
                "priority_id": 1,
                "owner_id": 1,
                "customer_id": 101,
                "created_at": "2026-08-03T10:00:00.000Z",
            },
        ],
        "articles": {
            11: [
                {
                    "id": 1,
                    "ticket_id": 11,
                    "sender": "Customer",
                    "internal": False,
                    "content_type": "text/html",
                    "created_by_id": 100,
                    "created_at": "2026-08-01T10:00:00.000Z",
                    "body": "<p>I was charged <b>twice</b>.</p>",
                    "attachments": [
                        {
                            "id": 9,
                            "filename": "invoice.pdf",
                            "size": str(len(FILE)),
                            "preferences": {"Content-Type": "application/pdf"},
                        }
                    ],
                },
                {
                    "id": 2,
                    "ticket_id": 11,
                    "sender": "System",
                    "internal": False,
                    "content_type": "text/plain",
                    "created_by_id": 1,
                    "created_at": "2026-08-01T10:00:01.000Z",
                    "body": "Auto-reply sent",
                },
                {
                    "id": 3,
                    "ticket_id": 11,
                    "sender": "Agent",
                    "internal": True,
                    "content_type": "text/plain",
                    "created_by_id": 2,
                    "created_at": "2026-08-01T11:00:00.000Z",
                    "body": "Refund booked.",
                },
                {
                    "id": 4,
                    "ticket_id": 11,
                    "sender": "Agent",
                    "internal": False,
                    "content_type": "text/plain",
                    "created_by_id": 2,
                    "created_at": "2026-08-01T11:05:00.000Z",
                    "body": "The second charge is refunded.",
                },
            ],
            13: [
                {
                    "id": 5,
                    "ticket_id": 13,
                    "sender": "Customer",
                    "internal": False,
                    "content_type": "text/plain",
                    "created_by_id": 101,
                    "created_at": "2026-08-03T10:00:00.000Z",
                    "body": "Any news?",
                }
            ],
        },
        "tags": {11: ["billing", "refund"]},
    }


class FakeZammad:
    def __init__(self) -> None:
        self.data = _data()
        self.auth: set[str | None] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        d = self.data
        name = path.removeprefix("/api/v1/")
        if name in ("roles", "groups", "ticket_states", "ticket_priorities"):
            return 200, d[name]
        if name in ("organizations", "users", "tickets"):
            page, per = int(query["page"][0]), int(query["per_page"][0])
            return 200, d[name][(page - 1) * per : page * per]
        if name.startswith("ticket_articles/by_ticket/"):
            return 200, d["articles"].get(int(name.rsplit("/", 1)[1]), [])
        if name == "tags":
            return 200, {"tags": d["tags"].get(int(query["o_id"][0]), [])}
        if name == "ticket_attachment/11/1/9":
            return 200, FILE
        return 404, {"error": "Not Found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.auth.add(self.headers.get("Authorization"))
                status, payload = fake.answer(parts.path, parse_qs(parts.query))
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def zammad() -> Iterator[FakeZammad]:
    fake = FakeZammad()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _run(zammad, desk, now):
    reader = ZammadReader(Client(zammad.url, headers={"Authorization": "Token token=zz"}))
    return Importer(reader, actor=desk.admin, now=now).run()


def test_a_zammad_desk_arrives_with_its_history(zammad, desk, now):
    summary = _run(zammad, desk, now)
    assert summary.created["cases"] == 2 and summary.created["customers"] == PER_PAGE + 5
    case = Ticket.objects.get(subject="Invoice twice")
    assert (case.status, case.priority, case.team.name) == ("closed", "high", "Billing")
    assert case.assignee.email == "greta@zammad.test"
    assert case.customer.organization.name == "Nordwind GmbH"
    assert sorted(case.tags.values_list("name", flat=True)) == ["billing", "refund"]
    messages = list(Message.objects.filter(ticket=case).order_by("created_at"))
    assert [m.kind for m in messages] == [MessageKind.CUSTOMER, MessageKind.NOTE, MessageKind.REPLY]
    assert "charged twice" in messages[0].body and "<b>" not in messages[0].body
    assert Attachment.objects.get(message__ticket=case).sha256 == sha(FILE)
    assert Ticket.objects.get(subject="Waiting").status == "waiting_customer"
    problems = {p.what: p.message for p in summary.problems}
    assert "'merged'" in problems["ticket 12"]
    assert zammad.auth == {"Token token=zz"}
    # The closed case's survey is skipped: nobody is asked about imported history.
    survey = Survey.objects.get(ticket=case)
    assert (survey.state, survey.skip_reason) == ("skipped", "imported")


def test_a_second_zammad_run_imports_nothing_new(zammad, desk, now):
    _run(zammad, desk, now)
    again = _run(zammad, desk, now)
    assert again.created["cases"] == 0 and again.skipped["cases"] == 2
    assert Ticket.objects.count() == 2
