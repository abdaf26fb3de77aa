"""Log lines carry the request id, never a secret, and are JSON when asked."""

from __future__ import annotations

import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from caredesk.ops import logs


def capture(record_filter: logging.Filter, message: str, *args: object) -> logging.LogRecord:
    record = logging.LogRecord("caredesk.test", logging.INFO, __file__, 1, message, args, None)
    record_filter.filter(record)
    return record


def test_a_request_gets_an_id_that_its_log_lines_and_its_response_carry():
    seen = {}

    def view(request):
        seen["id"] = capture(logs.RequestIdFilter(), "in the view").request_id
        return HttpResponse("ok")

    response = logs.RequestIdMiddleware(view)(RequestFactory().get("/"))
    assert len(seen["id"]) == 32
    assert response["X-Request-ID"] == seen["id"]
    assert capture(logs.RequestIdFilter(), "after").request_id == "-"


def test_a_proxys_request_id_is_kept_but_a_hostile_one_is_replaced():
    def view(request):
        return HttpResponse(logs.request_id.get())

    middleware = logs.RequestIdMiddleware(view)
    kept = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="abc-123-def-456"))
    assert kept.content == b"abc-123-def-456"
    hostile = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="x\nFAKE LOG LINE" * 20))
    assert b"FAKE" not in hostile.content
    assert len(hostile["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("cannot reach postgres://caredesk:pa55word-xyz@db:5432/caredesk", "pa55word-xyz"),
        ("GET /hook Authorization: Bearer tok_live_abcdef123", "tok_live_abcdef123"),
        ("retrying https://api.test/?token=abc123def&x=1", "abc123def"),
        ("smtp login password=hunter2hunter2 refused", "hunter2hunter2"),
    ],
)
def test_secrets_are_redacted_from_log_messages(message, secret):
    record = capture(logs.RedactSecretsFilter(), "%s", message)
    assert secret not in record.getMessage()
    assert "***" in record.getMessage()


def test_the_secret_key_is_redacted_wherever_it_appears(settings):
    logs.secret_values.cache_clear()
    settings.SECRET_KEY = "k" * 20 + "-this-is-the-secret-key-" + "z" * 20
    try:
        record = capture(logs.RedactSecretsFilter(), "key is %s!", settings.SECRET_KEY)
        assert settings.SECRET_KEY not in record.getMessage()
    finally:
        logs.secret_values.cache_clear()


def test_a_secret_in_an_exception_traceback_is_redacted():
    try:
        raise RuntimeError("connect redis://default:sup3rs3cret@cache:6379 failed")
    except RuntimeError:
        record = logging.LogRecord(
            "caredesk.test",
            logging.ERROR,
            __file__,
            1,
            "failed",
            None,
            __import__("sys").exc_info(),
        )
    logs.RedactSecretsFilter().filter(record)
    assert "sup3rs3cret" not in (record.exc_text or "")


def test_json_lines_have_the_request_id_as_a_field():
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    token = logs.request_id.set("req-0001-abcd")
    try:
        record = capture(logs.RequestIdFilter(), "case %s opened", 42)
    finally:
        logs.request_id.reset(token)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-0001-abcd"
    assert line["message"] == "case 42 opened"
    assert line["level"] == "INFO"
