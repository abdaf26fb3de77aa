"""Malformed, hostile and oversized input always gets a clean 4xx in the error format."""

from __future__ import annotations

import json

import pytest

from caredesk.tickets.models import Ticket
from tests.api.conftest import assert_error, open_case


@pytest.mark.parametrize(
    "raw",
    [
        "{bad json",
        "",
        "{'single': 'quotes'}",
        '{"subject": "x", "body": NaN}',
        b"\xff\xfe\x00garbage",
        '{"a": 1',
    ],
)
def test_malformed_json_is_400(desk, api, raw):
    response = api.agent.post("/api/v1/cases", raw=raw)
    if raw == "":
        assert_error(response, 422, "validation_error")  # no body at all: fields missing
    else:
        error = assert_error(response, 400, "malformed_json")
        assert "JSON" in error["message"]


def test_deeply_nested_json_is_refused_cleanly(desk, api):
    raw = "[" * 100_000 + "]" * 100_000
    response = api.agent.post("/api/v1/cases", raw=raw)
    assert response.status_code in (400, 413, 422)
    assert_error(response, response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "just a string",
        42,
        None,
        {"subject": 123, "body": "x", "customer_id": 1},
        {"subject": "x", "body": ["list"], "customer_id": 1},
        {"subject": "x", "body": "y", "customer_id": "abc"},
        {"subject": "x", "body": "y", "customer_id": -5},
        {"subject": "x", "body": "y", "customer_id": 10**30},
        {"subject": "x", "body": "y", "customer_id": 1.5},
        {"subject": "x", "body": "y", "customer_id": 1, "priority": 3},
        {"subject": "x", "body": "y", "customer_id": 1, "attachments": "file"},
        {"subject": "x", "body": "y", "customer_id": 1, "attachments": [{"filename": "a"}]},
        {"subject": "x" * 300, "body": "y", "customer_id": 1},
    ],
)
def test_wrong_types_are_422_with_field_details(desk, api, body):
    response = api.agent.post("/api/v1/cases", raw=json.dumps(body))
    error = assert_error(response, 422, "validation_error")
    assert error["details"] and all("field" in d and "message" in d for d in error["details"])
    assert Ticket.objects.count() == 0


def test_oversized_body_is_413(desk, api, settings):
    settings.CAREDESK_API_MAX_BODY_BYTES = 3 * 1024 * 1024
    response = api.agent.post(
        "/api/v1/cases", {"subject": "x", "body": "y" * (3 * 1024 * 1024), "customer_id": 1}
    )
    error = assert_error(response, 413, "request_too_large")
    assert "MB" in error["message"]


def test_body_over_the_character_limit_names_the_limit(desk, api, settings):
    settings.CAREDESK_MAX_BODY_CHARS = 1000
    response = api.agent.post(
        "/api/v1/cases", {"subject": "x", "body": "y" * 1001, "customer_id": desk.bob.pk}
    )
    error = assert_error(response, 400, "too_long")
    assert "1,000" in error["message"]


@pytest.mark.parametrize("limit", ["0", "-1", "101", "100000000000000000000000", "abc", "1.5"])
def test_bad_limit_is_422(desk, api, limit):
    assert_error(api.agent.get("/api/v1/cases", {"limit": limit}), 422, "validation_error")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "eyJ0IjogMX0",  # {"t": 1}
        "eyJpIjoiMSIsInQiOiJub3QtYS1kYXRlIn0",  # {"i":"1","t":"not-a-date"}
        "bnVsbA",  # null
        "W10",  # []
        "eyJpIjotMSwidCI6IjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAifQ",  # negative id
        "eyJpIjoxLCJ0IjoiMjAyNi0wMS0wMVQwMDowMDowMCJ9",  # naive datetime
        "é" * 10,
        "x" * 501,
    ],
)
def test_bogus_cursor_is_a_clean_error(desk, api, cursor):
    response = api.agent.get("/api/v1/cases", {"cursor": cursor})
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_bogus_cursors_on_other_lists(desk, api, now):
    ticket = open_case(desk, now)
    for path in (
        f"/api/v1/cases/{ticket.pk}/messages",
        "/api/v1/customers",
        "/api/v1/organizations",
        "/api/v1/teams",
    ):
        assert_error(api.manager.get(path, {"cursor": "Zm9v"}), 400, "invalid_cursor")
    assert_error(api.manager.get("/api/v1/cases", {"q": "x", "cursor": "Zm9v"}), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/-1",
        "/api/v1/cases/0",
        "/api/v1/cases/99999999999999999999999999",
        "/api/v1/cases/9223372036854775808",
        "/api/v1/cases/-1/messages",
        "/api/v1/customers/-1",
        "/api/v1/organizations/0",
        "/api/v1/teams/-7",
    ],
)
def test_negative_and_huge_ids_are_404(desk, api, path):
    assert_error(api.manager.get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/cases/abc", "/api/v1/cases/1e3", "/api/v1/cases/%00"])
def test_non_numeric_ids_are_clean_errors(desk, api, path):
    response = api.manager.get(path)
    assert response.status_code in (404, 422)
    assert_error(response, response.status_code)


def test_unicode_and_emoji_are_kept(desk, api):
    subject = "Ünïcödé 🚚📦 — 配達が遅れました"
    response = api.agent.post(
        "/api/v1/cases",
        {
            "subject": subject,
            "body": "Zero-width\u200bjoiner 👨‍👩‍👧 and RTL \u202e",
            "customer_id": desk.bob.pk,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == subject
    assert api.agent.get("/api/v1/cases", {"q": "配達が遅れました"}).status_code == 200
    assert api.agent.get("/api/v1/cases", {"q": "🚚"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "nul\x00byte", "body": "y"},
        {"subject": "x", "body": "nul \x00 in body"},
        {"subject": "x", "body": "lone surrogate \ud800"},
    ],
)
def test_nul_bytes_and_lone_surrogates_are_422(desk, api, body):
    raw = json.dumps({**body, "customer_id": desk.bob.pk})  # json escapes them as \u0000
    error = assert_error(api.agent.post("/api/v1/cases", raw=raw), 422, "validation_error")
    assert error["details"][0]["field"] in ("subject", "body")
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"q": "nul\x00"},
        {"tag": "a\x00b"},
        {"q": "x" * 5000},
        {"status": "\x00"},
        {"team": "1\x00"},
    ],
)
def test_hostile_query_strings_are_clean_errors(desk, api, params):
    response = api.manager.get("/api/v1/cases", params)
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%FF%FE", "q=%00", "limit=%00", "cursor=%00"])
def test_invalid_utf8_and_nul_in_raw_query_strings(desk, api, query):
    response = api.manager.get(f"/api/v1/cases?{query}")
    assert response.status_code in (200, 400, 422)
    if response.status_code != 200:
        assert_error(response, response.status_code)


def test_hostile_search_text_is_safe(desk, api, now):
    open_case(desk, now)
    for q in ('"', "*", "NEAR(", "a OR b AND", "'); DROP TABLE x;--", "-", "CD-", "CD-abc", "∞"):
        response = api.manager.get("/api/v1/cases", {"q": q})
        assert response.status_code == 200, (q, response.content)


def test_customer_email_filter_with_nul_is_422(desk, api):
    assert_error(api.manager.get("/api/v1/customers", {"email": "a\x00@b"}), 422)


def test_unknown_endpoint_and_method_use_the_error_format(desk, api, now):
    ticket = open_case(desk, now)
    assert_error(api.agent.get("/api/v1/nothing/here"), 404, "not_found")
    assert_error(api.agent.post("/api/v1/nothing", {}), 404, "not_found")
    assert_error(api.agent.delete(f"/api/v1/cases/{ticket.pk}"), 405, "method_not_allowed")
    response = api.agent.client.put(
        "/api/v1/cases",
        "{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.agent.token}"},
    )
    error = assert_error(response, 405, "method_not_allowed")
    assert set(error["details"]["allowed"]) == {"GET", "POST"}
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_unexpected_server_errors_use_the_error_format(desk, api, monkeypatch):
    from caredesk.channels.api import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("database exploded with secret details")

    monkeypatch.setattr(selectors, "case_page", boom)
    error = assert_error(api.agent.get("/api/v1/cases"), 500, "server_error")
    assert "secret" not in error["message"]
