"""The REST API v1: one NinjaAPI, bearer tokens, one error format."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from caredesk.channels.api.auth import bearer
from caredesk.channels.api.errors import MalformedJson, RateLimited, handle_exception
from caredesk.channels.api.routers import (
    automations,
    calendars,
    cases,
    csat,
    customers,
    desk,
    feedback,
    fields,
    forward,
    incidents,
    kb,
    leads,
    links,
    macros,
    me,
    messages,
    offers,
    organizations,
    policies,
    privacy,
    promises,
    records,
    reports,
    resolutions,
    selfservice,
    sla_policies,
    staff,
    teams,
    tier_rules,
    webhooks,
)
from caredesk.channels.api.routers import escalations as escalation_routes
from caredesk.channels.api.routers import views as view_routes
from caredesk.core.errors import DomainError


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class JsonParser(Parser):
    """Strict JSON bodies; anything else is a ``malformed_json`` error."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            return json.loads(request.body, parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            raise MalformedJson(
                f"The request body is not valid JSON ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno})."
            ) from exc
        except (ValueError, RecursionError) as exc:
            raise MalformedJson(
                "The request body is not valid JSON (it must be UTF-8 JSON text)."
            ) from exc


class CaredeskApi(NinjaAPI):
    """Operation ids are the view names (``list_cases``), not module paths.

    The OpenAPI document is built once per process and path prefix (building it walks
    every operation and schema: most of a second), then served from memory. Operations
    are all registered at import time, so the document cannot change while the process
    lives. Callers must not mutate the returned document.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_schemas: dict[tuple[str | None, str], OpenAPISchema] = {}
        self._schema_lock = threading.Lock()

    def get_openapi_schema(
        self,
        *,
        path_prefix: str | None = None,
        path_params: dict[str, Any] | None = None,
    ) -> OpenAPISchema:
        key = (path_prefix, json.dumps(path_params or {}, sort_keys=True, default=str))
        built = self._built_schemas.get(key)
        if built is None:
            with self._schema_lock:
                built = self._built_schemas.get(key)
                if built is None:
                    built = super().get_openapi_schema(
                        path_prefix=path_prefix, path_params=path_params
                    )
                    self._built_schemas[key] = built
        return built

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__


class LocalSwagger(DocsBase):
    """Swagger UI from our own static files (no CDN), initialised by a static script."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {"openapi_url": self.get_openapi_url(api, kwargs), "api_title": api.title},
        )


DESCRIPTION = """\
The caredesk REST API. Authenticate every request with
`Authorization: Bearer cd_<prefix>_<secret>` (create a token in your profile).
Staff tokens act as that staff member; customer tokens see only that customer's cases
and public messages. Errors always look like
`{"error": {"code": "...", "message": "...", "details": ...}}`.
Send an `Idempotency-Key` header on POST to make retries safe.
Attachments go in the JSON body in base64, up to 10 MB per file; request bodies are
limited to one such file plus 2 MB (413 `request_too_large` above it).
Every page that changes something has an operation here, calling the same action.
"""

api = CaredeskApi(
    title="caredesk API",
    version="1",
    description=DESCRIPTION,
    auth=bearer,
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
    parser=JsonParser(),
)

for exc_class in (
    Exception,
    Http404,
    HttpError,
    ValidationError,
    AuthenticationError,
    DomainError,
    RateLimited,
):
    api.add_exception_handler(exc_class, handle_exception)

api.add_router("", view_routes.router)  # before /cases/{id}: POST /cases/bulk
api.add_router("/cases", cases.router)
api.add_router("/cases", messages.router)
api.add_router("/cases", forward.router)
api.add_router("/cases", promises.case_router)
api.add_router("/cases", resolutions.router)
api.add_router("/cases", links.router)
api.add_router("/cases", csat.router)
api.add_router("/promises", promises.router)
api.add_router("/cases", macros.case_router)
api.add_router("/macros", macros.router)
api.add_router("/kb", kb.router)
api.add_router("/help", kb.public_router)
api.add_router("/automations", automations.router)
api.add_router("/customers", customers.router)
api.add_router("/records", records.router)
api.add_router("/cases", records.case_router)
api.add_router("/policies", policies.router)
api.add_router("/cases", policies.case_router)
api.add_router("/organizations", organizations.router)
api.add_router("/teams", teams.router)
api.add_router("", escalation_routes.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("", desk.router)
api.add_router("", leads.router)
api.add_router("", me.router)
api.add_router("", feedback.router)
api.add_router("/calendars", calendars.router)
api.add_router("/sla-policies", sla_policies.router)
api.add_router("/tier-rules", tier_rules.router)
api.add_router("", staff.router)
api.add_router("/reports", reports.router)
api.add_router("", offers.router)
api.add_router("", privacy.router)
api.add_router("/selfservice", selfservice.router)
api.add_router("/incidents", incidents.router)
api.add_router("/fields", fields.router)
