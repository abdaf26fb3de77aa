"""One error shape for every API response that is not a success.

``{"error": {"code": "machine_code", "message": "human text", "details": ...}}``
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from caredesk.core.errors import DomainError

log = logging.getLogger(__name__)

# Every error status the API answers with, documented on every operation with ErrorOut:
# 400 malformed JSON, 401 no or bad token, 403 not allowed, 404 not found (also a case the
# token may not see), 409 conflict with the current state, 413 body too large, 422 invalid
# input, 429 rate limited.
ERROR_CODES = frozenset({400, 401, 403, 404, 409, 413, 422, 429})


class ApiError(DomainError):
    """An API-level refusal with an explicit HTTP status."""

    def __init__(self, status: int, message: str, *, code: str, details: Any = None) -> None:
        super().__init__(message, code=code, details=details)
        self.status = status


T = TypeVar("T")


def unprocessable(call: Callable[[], T]) -> T:
    """Run an action; refused input (the domain's 400, which forms re-render) is the API's
    422 with the same code and details."""
    try:
        return call()
    except DomainError as error:
        if error.status == 400:
            raise ApiError(422, error.message, code=error.code, details=error.details) from None
        raise


class MalformedJson(Exception):
    """The request body is not JSON (raised by our parser, wrapped by Ninja)."""


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def error_response(
    status: int, code: str, message: str, details: Any = None, **headers: str
) -> HttpResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message, "details": details}}, status=status
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _field_name(loc: Any) -> str:
    # ("body", "payload", "subject") → "subject"; ("query", "limit") → "limit".
    parts = [str(p) for p in tuple(loc)[1:]]
    if parts and parts[0] in ("payload", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "field": _field_name(e.get("loc", ())),
            "location": str(e.get("loc", ("",))[0]) if e.get("loc") else "",
            "message": str(e.get("msg", "invalid")),
            "type": str(e.get("type", "invalid")),
        }
        for e in errors
    ]


def handle_exception(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """Every exception the API raises ends here (registered for ``Exception``)."""
    if isinstance(exc, type):
        exc = exc()
    if isinstance(exc, DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, ValidationError):
        details = validation_details(exc.errors)
        first = details[0] if details else {"field": "request", "message": "invalid"}
        message = f"The request is not valid: {first['field']}: {first['message']}."
        if len(details) > 1:
            message += f" ({len(details) - 1} more problem(s) in details.)"
        return error_response(422, "validation_error", message, details)
    if isinstance(exc, AuthenticationError):
        return error_response(
            401, "unauthorized", exc.message, WWW_Authenticate='Bearer realm="caredesk"'
        )
    if isinstance(exc, RateLimited):
        return error_response(
            429,
            "rate_limited",
            f"Too many requests; try again in {exc.retry_after} seconds.",
            {"retry_after": exc.retry_after},
            Retry_After=str(exc.retry_after),
        )
    if isinstance(exc, Throttled):
        return error_response(429, "rate_limited", "Too many requests.")
    if isinstance(exc, HttpError):
        if isinstance(exc.__cause__, MalformedJson):
            return error_response(400, "malformed_json", str(exc.__cause__))
        if isinstance(exc.__cause__, RequestDataTooBig):
            return too_big(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
        if exc.status_code == 400:
            return error_response(400, "bad_request", exc.message)
        return error_response(exc.status_code, f"http_{exc.status_code}", exc.message)
    if isinstance(exc, Http404):
        return error_response(404, "not_found", "Not found.")
    if isinstance(exc, RequestDataTooBig):
        return too_big(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    if isinstance(exc, SuspiciousOperation):
        return error_response(400, "bad_request", "The request was refused as malformed.")
    log.exception("API request failed: %s %s", request.method, request.path)
    return error_response(
        500, "server_error", "Something went wrong on our side; it has been logged."
    )


def too_big(limit: int) -> HttpResponse:
    return error_response(
        413,
        "request_too_large",
        f"The request body is too large; the limit is {limit / 1048576:.1f} MB "
        f"(one attachment of up to {settings.CAREDESK_MAX_ATTACHMENT_BYTES / 1048576:.0f} MB "
        "in base64, plus the rest of the request).",
        {"limit_bytes": limit},
    )


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(404, "not_found", f"There is no API endpoint at {request.path}.")


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    return error_response(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed here; allowed: {allowed}.",
        {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]},
        Allow=allowed,
    )
