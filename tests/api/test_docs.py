"""The OpenAPI document and an offline docs page (no CDN)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.test import Client

STATIC = Path(settings.BASE_DIR) / "caredesk" / "static" / "vendor" / "swagger-ui"


def test_openapi_document_is_valid_json_with_the_paths(desk):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/messages",
        "/api/v1/customers",
        "/api/v1/customers/me",
        "/api/v1/customers/{customer_id}",
        "/api/v1/organizations",
        "/api/v1/organizations/{org_id}",
        "/api/v1/teams",
        "/api/v1/teams/{team_id}",
    ):
        assert path in doc["paths"], path
    assert set(doc["paths"]["/api/v1/cases/{case_id}"]) == {"get", "patch"}
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    # Write schemas are allow-lists.
    create = doc["components"]["schemas"]["CaseCreateIn"]
    assert create["additionalProperties"] is False
    assert "status" not in create["properties"]


def test_docs_page_loads_only_local_assets(desk):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), "no remote assets"
    assert "cdn" not in html.lower()
    assert "<script>" not in html and "onload=" not in html  # no inline script
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in scripts
    assert "/static/api/swagger-init.js" in scripts
    assert "/static/vendor/swagger-ui/swagger-ui.css" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp


def test_vendored_swagger_files_are_present_with_licence():
    assert (STATIC / "swagger-ui-bundle.js").stat().st_size > 100_000
    assert (STATIC / "swagger-ui.css").stat().st_size > 10_000
    assert "Apache License" in (STATIC / "LICENSE").read_text()
    assert sorted(p.name for p in STATIC.iterdir()) == [
        "LICENSE",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
    ]


def test_initialiser_points_at_our_document_and_no_validator():
    init = (
        Path(settings.BASE_DIR) / "caredesk/channels/api/static/api/swagger-init.js"
    ).read_text()
    assert "data-openapi-url" in init and "validatorUrl: null" in init
    assert "http" not in init


def test_api_root_describes_itself(desk):
    body = Client().get("/api/v1/").json()
    assert body["docs"] == "/api/v1/docs" and body["openapi"] == "/api/v1/openapi.json"


def _doc() -> dict:
    return Client().get("/api/v1/openapi.json").json()


def test_schema_names_are_readable(desk):
    names = set(_doc()["components"]["schemas"])
    unreadable = sorted(n for n in names if not re.fullmatch(r"[A-Z][A-Za-z]*[A-Za-z]", n))
    assert not unreadable, unreadable
    assert not [n for n in names if n.endswith("Schema") or "__" in n]


def test_operation_ids_are_the_view_names(desk):
    ids = [op["operationId"] for ops in _doc()["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z_]*[a-z]", i) for i in ids), ids
    assert {"next_case", "end_conversation", "log_call", "answer_escalation"} <= set(ids)


def test_every_operation_documents_the_errors_the_api_returns(desk):
    for path, ops in _doc()["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            missing = {"400", "401", "403", "404", "409", "413", "422", "429"} - codes
            assert not missing, f"{method} {path} does not document {missing}"
            error = op["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorOut"}
            # Only codes the API can answer with: none of the unused 4xx.
            assert not codes & {"402", "406", "407", "408", "410", "418", "451"}


def test_fields_a_patch_refuses_as_null_are_not_nullable_in_the_docs(desk):
    schemas = _doc()["components"]["schemas"]
    patch = schemas["CasePatchIn"]["properties"]
    assert patch["status"] == {"$ref": "#/components/schemas/Status"}
    assert "anyOf" not in patch["tags"]
    # Fields where null means something (clear the team, unassign) stay nullable.
    assert {"type": "null"} in patch["team_id"]["anyOf"]
    assert {"type": "null"} in patch["assignee_id"]["anyOf"]
    assert "anyOf" not in schemas["OrganizationPatchIn"]["properties"]["tier"]
    assert "anyOf" not in schemas["CustomerPatchIn"]["properties"]["name"]
