"""/api/v1/openapi.json is built once per process, then served from memory (#16)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from ninja import NinjaAPI

from caredesk.channels.api.api import api


@pytest.fixture
def builds(monkeypatch):
    """Counts the real builds: calls that reach ninja's own ``get_openapi_schema``."""
    calls: list[str | None] = []
    original = NinjaAPI.get_openapi_schema

    def counting(self, *, path_prefix=None, path_params=None):
        calls.append(path_prefix)
        return original(self, path_prefix=path_prefix, path_params=path_params)

    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", counting)
    monkeypatch.setattr(api, "_built_schemas", {})
    return calls


def test_two_requests_return_the_same_document_and_the_second_does_not_rebuild(db, builds):
    client = Client()
    first = client.get("/api/v1/openapi.json")
    second = client.get("/api/v1/openapi.json")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert json.loads(first.content)["paths"]
    assert len(builds) == 1


def test_the_built_document_is_the_one_ninja_builds(db, builds):
    cached = api.get_openapi_schema(path_prefix="/api/v1/")
    assert api.get_openapi_schema(path_prefix="/api/v1/") is cached
    assert len(builds) == 1
    fresh = NinjaAPI.get_openapi_schema(api, path_prefix="/api/v1/")
    assert json.dumps(fresh, sort_keys=True, default=str) == json.dumps(
        cached, sort_keys=True, default=str
    )


def test_each_prefix_is_built_once(db, builds):
    api.get_openapi_schema(path_prefix="/a/")
    api.get_openapi_schema(path_prefix="/b/")
    api.get_openapi_schema(path_prefix="/a/")
    assert builds == ["/a/", "/b/"]
