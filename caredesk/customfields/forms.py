"""What the field forms show and read: one row per field, and the raw values of a POST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from caredesk.customfields.models import FieldDefinition, Kind
from caredesk.customfields.validation import Value, as_json, as_text

PREFIX = "cf_"


@dataclass(frozen=True)
class Row:
    definition: FieldDefinition
    name: str  # the form input's name
    value: Any  # what the input shows (a string; a list for a multi select; bool)
    text: str  # the value as read

    @property
    def key(self) -> str:
        return self.definition.key


def rows(
    defs: list[FieldDefinition], values: dict[str, Value], typed: dict[str, Any] | None = None
) -> list[Row]:
    """One row per field; ``typed`` (raw POST values) wins, so a refused form keeps input."""
    result = []
    for d in defs:
        if typed is not None and d.key in typed:
            shown: Any = typed[d.key]
        else:
            value = values.get(d.key)
            shown = as_json(value) if value is not None else ""
            if d.kind == Kind.MULTISELECT:
                shown = value or []
            if d.kind == Kind.CHECKBOX:
                shown = value is True
        if d.kind == Kind.MULTISELECT and not isinstance(shown, list):
            shown = [shown] if shown else []
        if d.kind == Kind.CHECKBOX:
            shown = shown is True or shown in ("on", "true")
        result.append(Row(d, PREFIX + d.key, shown, as_text(values.get(d.key))))
    return result


def posted(defs: list[FieldDefinition], data: QueryDict) -> dict[str, Any]:
    """The raw values of every field in the form (an unticked checkbox is empty)."""
    raw: dict[str, Any] = {}
    for d in defs:
        name = PREFIX + d.key
        if d.kind == Kind.MULTISELECT:
            raw[d.key] = data.getlist(name)
        elif d.kind == Kind.CHECKBOX:
            raw[d.key] = "on" if data.get(name) else None
        else:
            raw[d.key] = data.get(name, "")
    return raw
