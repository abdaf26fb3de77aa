"""Replies, notes and customer messages through the API, with base64 attachments."""

from __future__ import annotations

import base64

from caredesk.tickets.models import Attachment, Message, MessageKind, Status
from tests.api.conftest import assert_error, open_case


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_staff_reply_sets_status(desk, api, now):
    ticket = open_case(desk, now)
    response = api.agent.post(
        f"/api/v1/cases/{ticket.pk}/messages",
        {
            "kind": "reply",
            "body": "Sorry the van came outside your booked slot; we have refunded the fee.",
            "status_after": "resolved",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reply"
    assert body["author"] == {"kind": "staff", "name": "Ada Agent"}
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.first_response_at is not None and ticket.assignee == desk.agent


def test_reply_is_the_default_kind(desk, api, now):
    ticket = open_case(desk, now)
    response = api.agent.post(
        f"/api/v1/cases/{ticket.pk}/messages", {"body": "Sorry the van was late."}
    )
    assert response.json()["kind"] == "reply"
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER


def test_staff_note_is_internal(desk, api, now):
    ticket = open_case(desk, now)
    response = api.agent.post(
        f"/api/v1/cases/{ticket.pk}/messages", {"kind": "note", "body": "Check the courier"}
    )
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).kind == MessageKind.NOTE
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.first_response_at is None
    assert_error(
        api.agent.post(
            f"/api/v1/cases/{ticket.pk}/messages",
            {"kind": "note", "body": "x", "status_after": "closed"},
        ),
        422,
        "invalid_combination",
    )
    assert_error(
        api.agent.post(f"/api/v1/cases/{ticket.pk}/messages", {"kind": "system", "body": "x"}),
        422,
        "validation_error",
    )


def test_messages_page_with_cursor(desk, api, now):
    ticket = open_case(desk, now)
    for i in range(6):
        api.agent.post(f"/api/v1/cases/{ticket.pk}/messages", {"kind": "note", "body": f"n{i}"})
    seen, cursor = [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        body = api.agent.get(f"/api/v1/cases/{ticket.pk}/messages", params).json()
        seen += [m["id"] for m in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(ticket.messages.values_list("id", flat=True))
    times = [Message.objects.get(pk=pk).created_at for pk in seen]
    assert times == sorted(times)  # oldest first


def test_base64_attachments_are_stored(desk, api, now):
    ticket = open_case(desk, now)
    response = api.alice.post(
        f"/api/v1/cases/{ticket.pk}/messages",
        {
            "body": "Photo of the damage",
            "attachments": [
                {
                    "filename": "../../etc/passwd.jpg",
                    "content_type": "image/jpeg",
                    "content_base64": b64(b"\xff\xd8fakejpeg"),
                },
            ],
        },
    )
    assert response.status_code == 201, response.content
    (att,) = response.json()["attachments"]
    assert att["filename"] == "passwd.jpg" and att["size"] == 10
    stored = Attachment.objects.get(pk=att["id"])
    assert stored.file.read() == b"\xff\xd8fakejpeg"
    assert "passwd" not in stored.file.name


def test_case_created_with_an_attachment(desk, api):
    response = api.alice.post(
        "/api/v1/cases",
        {
            "subject": "Receipt",
            "body": "see file",
            "attachments": [{"filename": "r.txt", "content_base64": b64(b"hello")}],
        },
    )
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().content_type == "text/plain"


def test_invalid_base64_is_422(desk, api, now):
    ticket = open_case(desk, now)
    url = f"/api/v1/cases/{ticket.pk}/messages"
    for bad in ("not base64!!", "abc", "ÿÿÿÿ", "====", "YWJj\x00"):
        response = api.alice.post(
            url, {"body": "x", "attachments": [{"filename": "a.txt", "content_base64": bad}]}
        )
        error = assert_error(response, 422, "invalid_base64")
        assert "attachments[0]" in error["message"]
    assert ticket.messages.count() == 1


def test_attachment_limits_are_enforced_with_clear_messages(desk, api, now, settings):
    ticket = open_case(desk, now)
    url = f"/api/v1/cases/{ticket.pk}/messages"
    settings.CAREDESK_MAX_ATTACHMENT_BYTES = 1000
    big = {"filename": "big.bin", "content_base64": b64(b"x" * 1001)}
    error = assert_error(api.alice.post(url, {"body": "x", "attachments": [big]}), 400)
    assert error["code"] == "attachment_too_large" and "big.bin" in error["message"]
    small = {"filename": "s.txt", "content_base64": b64(b"x")}
    error = assert_error(
        api.alice.post(url, {"body": "x", "attachments": [small] * 11}),
        400,
        "too_many_attachments",
    )
    assert "10" in error["message"]
    assert_error(
        api.alice.post(url, {"body": "x", "attachments": [{"filename": "", "content_base64": ""}]}),
        422,
        "validation_error",
    )
    assert ticket.messages.count() == 1
