"""Request ids in every log line, secrets never in any, JSON lines when asked for.

:class:`RequestIdMiddleware` takes the id a proxy sent in ``X-Request-ID`` (when it is a
short, plain token) or makes one, answers with it in the same header, and keeps it in a
context variable for the rest of the request; :class:`RequestIdFilter` puts it on every
log record as ``request_id``. ``CAREDESK_LOG_FORMAT=json`` switches the console to one
JSON object per line (python-json-logger), with ``request_id`` a field of its own.

:class:`RedactSecretsFilter` replaces, in every record's final message, the values of the
settings that are secrets (the secret key, mail and database passwords, the metrics token)
and anything that looks like a credential in a URL or an Authorization header.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from caredesk.core import background

# One context variable for the request id, in core: a task queued by a request runs with
# that request's id (caredesk/core/background.py).
request_id = background.request_id

INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if INCOMING_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response.headers["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


SECRET_SETTINGS = ("SECRET_KEY", "EMAIL_HOST_PASSWORD", "CAREDESK_METRICS_TOKEN")
PATTERNS = (
    # user:password@host in URLs (database, broker and cache URLs)
    re.compile(r"(?P<pre>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(?=@)", re.I),
    re.compile(r"(?P<pre>\bAuthorization:\s*(?:\w+\s+)?)\S+", re.I),
    re.compile(r"(?P<pre>\bBearer\s+)\S+"),
    re.compile(r"(?P<pre>\b(?:password|passwd|secret|api_key|token)=)[^&\s]+", re.I),
)


@cache
def secret_values() -> tuple[str, ...]:
    values = [str(getattr(settings, name, "") or "") for name in SECRET_SETTINGS]
    db_password = settings.DATABASES.get("default", {}).get("PASSWORD") or ""
    values.append(str(db_password))
    return tuple(v for v in values if len(v) >= 6)


def redact(text: str) -> str:
    for value in secret_values():
        text = text.replace(value, "***")
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: m.group("pre") + "***", text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
