"""/api/v1/: the Ninja API, wrapped so that every response, even 404 and 405, uses the
API's error format, and no view takes part in cookie/CSRF handling."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path

from caredesk.channels.api import limits
from caredesk.channels.api.api import api
from caredesk.channels.api.errors import method_not_allowed, not_found_view, too_big

View = Callable[..., HttpResponse]
READ_ONLY = {"openapi-json", "openapi-view", "api-root"}


def api_index(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return JsonResponse(
        {
            "name": "caredesk API",
            "version": "1",
            "docs": request.path + "docs",
            "openapi": request.path + "openapi.json",
        }
    )


def _read_body(request: HttpRequest) -> HttpResponse | None:
    """Read the body under the API's own limit (larger than the forms' 2 MB, so that a
    documented 10 MB attachment fits in base64); a 413 in the API's format above it."""
    limit = limits.max_body_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return too_big(limit)
    if length and not hasattr(request, "_body"):
        body = request.read(limit + 1)
        if len(body) > limit:
            return too_big(limit)
        # What HttpRequest.body does, without the forms' DATA_UPLOAD_MAX_MEMORY_SIZE check.
        request._body = body
        request._stream = BytesIO(body)
    return None


def _wrap(view: View, *, read_only: bool) -> View:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if read_only and request.method not in ("GET", "HEAD"):
            return method_not_allowed(request, "GET, HEAD")
        refused = _read_body(request)
        if refused is not None:
            return refused
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(request, response["Allow"])
        return response

    # Bearer tokens only: no cookie session, so no CSRF check (and no CSRF HTML page).
    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def _api_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app_name, _namespace = api.urls
    result: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            result.append(pattern)
            continue
        callback = api_index if pattern.name == "api-root" else pattern.callback
        read_only = pattern.name in READ_ONLY
        result.append(
            URLPattern(
                pattern.pattern,
                _wrap(callback, read_only=read_only),
                pattern.default_args,
                pattern.name,
            )
        )
    return result


_catch_all = _wrap(not_found_view, read_only=False)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include((_api_patterns(), "ninja"), namespace=api.urls_namespace)),
    re_path(r"^.*$", _catch_all, name="api-not-found"),
]
