"""``Idempotency-Key`` on POST creates: the same key and request replay the stored
response and create nothing; the same key with a different request is refused.

The create and the stored response commit in one transaction, so two concurrent
requests with one key cannot both create: the loser's insert of the key fails, its
whole transaction rolls back, and it replays the winner's response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status

from caredesk.accounts.models import ApiToken
from caredesk.channels.api.auth import api_token
from caredesk.channels.api.errors import ApiError
from caredesk.channels.api.models import IdempotencyKey
from caredesk.core import clock

HEADER = "Idempotency-Key"
MAX_KEY = 200
REPLAY_WINDOW = timedelta(hours=24)


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update((request.method or "").encode())
    digest.update(b"\n")
    digest.update(request.get_full_path().encode())
    digest.update(b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _request_key(request: HttpRequest) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise ApiError(
            422,
            f"The {HEADER} header must be 1 to {MAX_KEY} printable ASCII characters.",
            code="invalid_idempotency_key",
        )
    return key


def _stored(token: ApiToken, key: str, now: datetime) -> IdempotencyKey | None:
    row = IdempotencyKey.objects.filter(token=token, key=key).first()
    if row is not None and row.created_at < now - REPLAY_WINDOW:
        # Past the replay window the key is free to be used again.
        IdempotencyKey.objects.filter(pk=row.pk).delete()
        return None
    return row


def _replay(row: IdempotencyKey, print_: str, response: HttpResponse) -> Status[Any]:
    if row.fingerprint != print_:
        raise ApiError(
            409,
            f"This {HEADER} was already used for a different request. "
            "Use a new key for a new request.",
            code="idempotency_key_reused",
        )
    response["Idempotent-Replayed"] = "true"
    return Status(row.response_status, row.response_body)


def idempotent(
    request: HttpRequest,
    response: HttpResponse,
    create: Callable[[], tuple[int, Schema]],
) -> Status[Any]:
    """Run ``create`` once per (token, key). Returns the status and JSON-ready body."""
    key = _request_key(request)
    if key is None:
        status, body = create()
        return Status(status, body.model_dump(mode="json"))
    token = api_token(request)
    now = clock.now()
    print_ = fingerprint(request)
    row = _stored(token, key, now)
    if row is not None:
        return _replay(row, print_, response)
    try:
        with transaction.atomic():
            status, body = create()
            data = body.model_dump(mode="json")
            IdempotencyKey.objects.create(
                token=token,
                key=key,
                fingerprint=print_,
                response_status=status,
                response_body=data,
                created_at=now,
            )
    except IntegrityError:
        row = IdempotencyKey.objects.filter(token=token, key=key).first()
        if row is None:
            raise
        return _replay(row, print_, response)
    return Status(status, data)


def purge_expired(now: datetime) -> int:
    """Delete stored responses past the replay window. Safe to run from a periodic task."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now - REPLAY_WINDOW).delete()
    return deleted
