"""The API takes the attachment sizes it documents (10 MB per file, in base64), and refuses
larger bodies with a 413 in its own error format; the forms keep their 2 MB limit."""

from __future__ import annotations

import base64

from caredesk.channels.api import limits
from caredesk.tickets.models import Attachment
from tests.api.conftest import assert_error, open_case

MB = 1024 * 1024


def _reply_with(api, case, content: bytes):
    attachment = {
        "filename": "scan.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
    }
    return api.agent.post(
        f"/api/v1/cases/{case.pk}/messages",
        {"body": "The scan.", "attachments": [attachment], "send_anyway": True},
    )


def test_a_documented_10_mb_attachment_is_accepted(desk, api, now, settings):
    assert settings.CAREDESK_MAX_ATTACHMENT_BYTES == 10 * MB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * MB  # the forms' limit is unchanged
    case = open_case(desk, now)
    response = _reply_with(api, case, b"%PDF" + b"x" * (10 * MB - 4))
    assert response.status_code == 201, response.content[:300]
    stored = Attachment.objects.get(pk=response.json()["attachments"][0]["id"])
    assert stored.size == 10 * MB


def test_a_body_just_over_the_limit_is_413_with_the_limit_named(desk, api, now):
    case = open_case(desk, now)
    limit = limits.max_body_bytes()
    raw = '{"body": "' + "y" * (limit - 11) + '"}'
    assert len(raw) == limit + 1
    response = api.agent.post(f"/api/v1/cases/{case.pk}/messages", raw=raw)
    error = assert_error(response, 413, "request_too_large")
    assert error["details"]["limit_bytes"] == limit
    assert "10 MB" in error["message"]


def test_a_body_at_the_limit_is_read(desk, api, now):
    case = open_case(desk, now)
    limit = limits.max_body_bytes()
    raw = '{"body": "' + "y" * (limit - 12) + '"}'
    assert len(raw) == limit
    response = api.agent.post(f"/api/v1/cases/{case.pk}/messages", raw=raw)
    # Read and validated: refused for its text length (a 422 naming the field), not 413.
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "body"


def test_the_schema_and_the_limits_agree(client):
    doc = client.get("/api/v1/openapi.json").json()
    field = doc["components"]["schemas"]["AttachmentIn"]["properties"]["content_base64"]
    assert field["maxLength"] == limits.base64_length(10 * MB)
    assert limits.max_body_bytes() > field["maxLength"]
    assert "10 MB" in field["description"]
    for op in doc["paths"]["/api/v1/cases/{case_id}/messages"].values():
        assert "413" in op["responses"]
