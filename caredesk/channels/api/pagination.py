"""Opaque cursors for keyset pagination.

A cursor is URL-safe base64 of a small JSON object. Clients must treat it as opaque;
anything that does not decode to the expected shape is refused with ``invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.db.models import Q

from caredesk.channels.api.errors import ApiError

MAX_CURSOR = 500


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> ApiError:
    return ApiError(
        400,
        "The cursor is not valid. Use the next_cursor value from a previous page as it is.",
        code="invalid_cursor",
    )


def decode_cursor(cursor: str, keys: set[str]) -> dict[str, Any]:
    if len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid() from None
    if not isinstance(data, dict) or set(data) != keys:
        raise _invalid()
    return data


def cursor_int(data: dict[str, Any], key: str, *, minimum: int = 1) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value < 2**62:
        raise _invalid()
    return value


def cursor_datetime(data: dict[str, Any], key: str) -> datetime:
    value = data[key]
    if not isinstance(value, str):
        raise _invalid()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid() from None
    if parsed.tzinfo is None:
        raise _invalid()
    return parsed


def after_id(cursor: str | None) -> Q:
    """Ascending by id: the rows after the cursor's id."""
    if not cursor:
        return Q()
    return Q(pk__gt=cursor_int(decode_cursor(cursor, {"i"}), "i"))


def id_cursor(pk: int) -> str:
    return encode_cursor({"i": pk})


def keyset_after(cursor: str | None, field: str, *, descending: bool) -> Q:
    """Rows after (field, id) in the given direction."""
    if not cursor:
        return Q()
    data = decode_cursor(cursor, {"t", "i"})
    when, pk = cursor_datetime(data, "t"), cursor_int(data, "i")
    op = "lt" if descending else "gt"
    # The first term is implied by the other two; it is there for the planner: a range
    # on the index's leading column, so a deep page is an ordered index walk from the
    # cursor (with only the OR, PostgreSQL fetches every later row and sorts them).
    bound = Q(**{f"{field}__{op}e": when})
    return bound & (Q(**{f"{field}__{op}": when}) | Q(**{field: when, f"pk__{op}": pk}))


def keyset_cursor(when: datetime, pk: int) -> str:
    return encode_cursor({"t": when.isoformat(), "i": pk})
