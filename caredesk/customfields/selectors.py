"""Reads of custom fields that pages, the API and checks share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from caredesk.accounts.models import User
from caredesk.core.errors import InvalidInput
from caredesk.customfields import rules
from caredesk.customfields.models import FieldDefinition, FieldValue, Kind, Target
from caredesk.customfields.validation import Value, as_json, check_value


def definitions(target: str, *, active: bool = True) -> list[FieldDefinition]:
    qs = FieldDefinition.objects.filter(target=target).prefetch_related("teams")
    if active:
        qs = qs.filter(is_active=True)
    return list(qs)


def required_case_definitions() -> list[FieldDefinition]:
    """The active case fields required on some status (with their teams)."""
    return list(
        FieldDefinition.objects.filter(target=Target.CASE, is_active=True)
        .exclude(required_on=[])
        .prefetch_related("teams")
    )


def visible_definitions(user: User, target: str) -> list[FieldDefinition]:
    """The active fields of ``target`` this staff member sees (none for customers)."""
    if not user.is_agent_staff:
        return []
    defs = definitions(target)
    # The user's teams are read only when a field is limited to some.
    limited = any(d.teams.all() for d in defs) and not user.sees_all_cases
    teams = rules.team_ids(user) if limited else set()
    return [d for d in defs if rules.sees(user, d, teams)]


def public_definitions() -> list[FieldDefinition]:
    """The case fields the portal's new-case form shows."""
    return [d for d in definitions("case") if d.public]


def values_of(
    defs: Iterable[FieldDefinition], object_ids: Iterable[int]
) -> dict[int, dict[str, Value]]:
    """{object id: {key: checked value}} for these fields (empty ones left out)."""
    by_id = {d.pk: d for d in defs}
    ids = list(object_ids)
    result: dict[int, dict[str, Value]] = defaultdict(dict)
    if not by_id or not ids:
        return result
    rows = FieldValue.objects.filter(field_id__in=list(by_id), object_id__in=ids).order_by("pk")
    multi: dict[tuple[int, str], list[str]] = defaultdict(list)
    for row in rows:
        d = by_id[row.field_id]
        if d.kind == Kind.MULTISELECT:
            multi[(row.object_id, d.key)].append(row.value_text or "")
        elif d.kind == Kind.NUMBER:
            result[row.object_id][d.key] = (
                row.value_number.normalize() if row.value_number is not None else None
            )
        elif d.kind == Kind.DATE:
            result[row.object_id][d.key] = row.value_date
        elif d.kind == Kind.CHECKBOX:
            result[row.object_id][d.key] = True
        else:
            result[row.object_id][d.key] = row.value_text
    for (object_id, key), chosen in multi.items():
        d = next(x for x in by_id.values() if x.key == key)
        result[object_id][key] = [o for o in d.options if o in chosen]
    return result


def json_values(defs: Iterable[FieldDefinition], object_id: int) -> dict[str, Any]:
    """Every visible field of one object as JSON (``None`` when empty), for the API."""
    defs = list(defs)
    values = values_of(defs, [object_id]).get(object_id, {})
    return {d.key: as_json(values.get(d.key)) for d in defs}


def object_ids_with(definition: FieldDefinition, raw: Any) -> QuerySet[FieldValue, Any]:
    """The ids of the objects whose ``definition`` field holds ``raw`` (a multi select:
    that option among others), as a subquery for ``pk__in``: a range scan on the value
    index of (field, value column, object). Raises ``InvalidInput`` for a value the field
    cannot hold. ``raw`` empty or an unticked checkbox: refused (filter on a value)."""
    value = check_value(definition, raw)
    rows = FieldValue.objects.filter(field=definition)
    if value is None:
        raise InvalidInput(
            f"Filter {definition.label} on a value.", field=definition.key, code="empty"
        )
    if isinstance(value, Decimal):
        rows = rows.filter(value_number=value)
    elif isinstance(value, date):
        rows = rows.filter(value_date=value)
    elif definition.kind == Kind.CHECKBOX:
        rows = rows.filter(value_number=1)
    elif definition.kind == Kind.MULTISELECT:
        assert isinstance(value, list)
        rows = rows.filter(value_text__in=value)
    else:
        rows = rows.filter(value_text=value)
    return rows.values("object_id")


def definition_by_key(target: str, key: str) -> FieldDefinition | None:
    return (
        FieldDefinition.objects.filter(target=target, key=key, is_active=True)
        .prefetch_related("teams")
        .first()
    )
