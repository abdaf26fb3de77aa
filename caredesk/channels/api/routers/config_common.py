"""Pieces the configuration routers share: cursor pages by id and PATCH bodies."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from caredesk.channels.api import pagination
from caredesk.channels.api.errors import ApiError
from caredesk.channels.api.schemas import PatchSchema

_Row = TypeVar("_Row", bound=Model)


def id_page(qs: QuerySet[_Row], cursor: str | None, limit: int) -> tuple[list[_Row], str | None]:
    """Rows by ascending id after the cursor, and the cursor of the next page (or None)."""
    rows = list(qs.filter(pagination.after_id(cursor)).order_by("id")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], pagination.id_cursor(rows[limit - 1].pk)


def patch_changes(payload: PatchSchema) -> dict[str, Any]:
    """The fields a PATCH sent; null for a field that cannot be cleared is a 422."""
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    for name, value in changes.items():
        if value is None and name in payload.NOT_NULL:
            raise ApiError(422, f"{name} cannot be null.", code="null_not_allowed")
    return changes
