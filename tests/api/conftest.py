from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from caredesk.accounts.actions import do_create_api_token
from caredesk.tickets import actions
from caredesk.tickets.models import Channel


class ApiClient:
    """A test client that sends a bearer token and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers=None, raw: bytes | str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            path, data, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body: Any = None, headers=None, raw: bytes | str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.patch(
            path, data, content_type="application/json", headers=self._headers(headers)
        )

    def put(self, path: str, body: Any = None, headers=None, raw: bytes | str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.put(
            path, data, content_type="application/json", headers=self._headers(headers)
        )

    def delete(self, path: str, headers=None):
        return self.client.delete(path, headers=self._headers(headers))


def token_for(user, now) -> str:
    return do_create_api_token(user=user, name="tests", now=now).plaintext


@pytest.fixture(autouse=True)
def _fresh_rate_limits(desk):
    # Start every test with no rate-limit counters (a test with real commits leaves its
    # counters in the database cache table, which a flush does not empty).
    cache.clear()


@pytest.fixture
def api(desk, now):
    """Clients for each kind of token on the desk."""

    class Clients:
        agent = ApiClient(token_for(desk.agent, now))
        other_agent = ApiClient(token_for(desk.other_agent, now))
        lead = ApiClient(token_for(desk.lead, now))
        manager = ApiClient(token_for(desk.manager, now))
        admin = ApiClient(token_for(desk.admin, now))
        alice = ApiClient(token_for(desk.alice.user, now))
        bob = ApiClient(token_for(desk.bob.user, now))
        anonymous = ApiClient(None)

    return Clients


def open_case(desk, now, customer=None, **kw):
    params = dict(
        customer=customer or desk.alice,
        subject="Delivery came outside the window",
        body="The van came at 7pm although I booked 8-12.",
        channel=Channel.PORTAL,
        now=now,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
