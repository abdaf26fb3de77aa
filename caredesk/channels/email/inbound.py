"""POST /mail/inbound/: a raw RFC 822 message from a mail provider or MTA, signed.

Signature: ``X-Caredesk-Signature: sha256=<hex>`` where hex is
HMAC-SHA256(CAREDESK_INBOUND_SECRET, ``<timestamp>`` + ``.`` + body), and
``X-Caredesk-Timestamp`` is the Unix time of signing. Requests older or newer than the
window (5 minutes) and signatures already seen are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from caredesk.channels.email import conf
from caredesk.channels.email.actions import do_store_raw
from caredesk.channels.email.intake import from_bytes
from caredesk.channels.email.models import SeenSignature
from caredesk.core.clock import now as clock_now

log = logging.getLogger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    secret = conf.inbound_secret()
    if not secret:
        return _error(503, "not_configured", "Set CAREDESK_INBOUND_SECRET to use this endpoint.")
    if is_ratelimited(request, group="mail-inbound", key="ip", rate="600/m", increment=True):
        return _error(429, "rate_limited", "Too many requests; retry later.")
    limit = conf.max_raw_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "bad_length", "Content-Length is not a number.")
    if declared > limit:
        return _error(413, "too_large", f"The message is over the limit of {limit:,} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error(413, "too_large", f"The message is over the limit of {limit:,} bytes.")
    if not body.strip():
        return _error(400, "empty", "The request body must be a raw RFC 822 message.")
    timestamp = request.headers.get("X-Caredesk-Timestamp", "").strip()
    signature = request.headers.get("X-Caredesk-Signature", "").strip()
    now = clock_now()
    if not timestamp.isdigit() or len(timestamp) > 12:
        return _error(401, "bad_timestamp", "X-Caredesk-Timestamp must be Unix seconds.")
    if abs(now.timestamp() - int(timestamp)) > conf.inbound_window_seconds():
        return _error(401, "stale", "The timestamp is outside the replay window.")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return _error(401, "bad_signature", "The signature does not match.")
    digest = expected.removeprefix("sha256=")
    try:
        with transaction.atomic():
            SeenSignature.objects.create(signature=digest, seen_at=now)
            raw, created = do_store_raw(from_bytes(body), channel="http", now=now)
    except IntegrityError:
        return _error(409, "replayed", "This signed request was already accepted.")
    cutoff = now - timedelta(seconds=2 * conf.inbound_window_seconds())
    SeenSignature.objects.filter(seen_at__lt=cutoff).delete()
    return JsonResponse(
        {"id": raw.pk, "created": created, "state": raw.state}, status=202 if created else 200
    )
