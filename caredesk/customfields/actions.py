"""Every change to custom fields goes through one of these functions (house rule 1).

Definitions are configuration (docs/adr/0011): audited with ``core.audit``
(``custom_field.defined``, ``.changed``, ``.retired``). Values of a case are audited on the
case (``field_changed``: one row listing old -> new, the event ``field.changed``); values
of a customer or an organization with ``core.audit`` (``field.changed``), which sits below
them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model

from caredesk.accounts.models import Team, User
from caredesk.core import audit as core_audit
from caredesk.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from caredesk.customers.models import Customer, Organization
from caredesk.customfields import rules, selectors
from caredesk.customfields.models import FieldDefinition, FieldValue, Kind, Target
from caredesk.customfields.validation import (
    DefinitionData,
    Value,
    as_json,
    check_definition,
    check_value,
)
from caredesk.tickets import actions as case_actions
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

MAX_FIELDS_PER_TARGET = 100
MODELS: dict[str, type[Model]] = {
    Target.CASE: Ticket,
    Target.CUSTOMER: Customer,
    Target.ORGANIZATION: Organization,
}


def _snapshot(d: FieldDefinition) -> dict[str, Any]:
    return {
        "id": d.pk,
        "key": d.key,
        "target": d.target,
        "label": d.label,
        "kind": d.kind,
        "options": d.options,
        "help_text": d.help_text,
        "public": d.public,
        "required_on": d.required_on,
        "teams": sorted(t.name for t in d.teams.all()),
        "position": d.position,
        "is_active": d.is_active,
    }


def _require_admin(actor: User) -> None:
    if not rules.may_define(actor):
        raise PermissionDenied("Only admins define custom fields.")


def _teams(ids: list[int]) -> list[Team]:
    teams = list(Team.objects.filter(pk__in=ids))
    if len(teams) != len(set(ids)):
        raise InvalidInput("One of the teams does not exist.", field="teams")
    return teams


def do_define_field(*, actor: User, data: DefinitionData, now: Any) -> FieldDefinition:
    _require_admin(actor)
    values = check_definition(data)
    with transaction.atomic():
        teams = _teams(data.team_ids)
        if FieldDefinition.objects.filter(target=values["target"], key=values["key"]).exists():
            raise InvalidInput(
                f"A field with the key {values['key']!r} exists (keys are never reused).",
                field="key",
                code="duplicate",
            )
        if FieldDefinition.objects.filter(target=values["target"]).count() >= MAX_FIELDS_PER_TARGET:
            raise InvalidInput(f"At most {MAX_FIELDS_PER_TARGET} fields each.", field="key")
        definition = FieldDefinition.objects.create(created_at=now, updated_at=now, **values)
        definition.teams.set(teams)
        core_audit.record(
            "custom_field.defined", actor=actor, now=now, field="field", new=_snapshot(definition)
        )
    return definition


def _locked(definition_id: int) -> FieldDefinition:
    try:
        return FieldDefinition.objects.select_for_update().get(pk=definition_id)
    except FieldDefinition.DoesNotExist:
        raise NotFound("No such field.") from None


def do_change_field(
    *, actor: User, definition: FieldDefinition, data: DefinitionData, now: Any
) -> FieldDefinition:
    """Change a field's label, options, help, visibility and rules. The key, the target and
    the type are fixed once values exist (a filter or an import refers to them)."""
    _require_admin(actor)
    values = check_definition(data)
    with transaction.atomic():
        definition = _locked(definition.pk)
        for fixed in ("key", "target", "kind"):
            if values[fixed] != getattr(definition, fixed):
                raise InvalidInput(
                    f"The {fixed} of a field never changes; define a new field instead.",
                    field=fixed,
                    code="fixed",
                )
        removed = set(definition.options) - set(values["options"])
        if (
            removed
            and FieldValue.objects.filter(field=definition, value_text__in=sorted(removed)).exists()
        ):
            raise Conflict(
                "Some values use an option you removed: "
                + ", ".join(sorted(removed))
                + ". Change those values first, or keep the option."
            )
        teams = _teams(data.team_ids)
        old = _snapshot(definition)
        for name, value in values.items():
            setattr(definition, name, value)
        definition.updated_at = now
        definition.save()
        definition.teams.set(teams)
        new = _snapshot(definition)
        changed = [k for k in new if new[k] != old[k]]
        if changed:
            core_audit.record(
                "custom_field.changed",
                actor=actor,
                now=now,
                field="field",
                old={"id": definition.pk, **{k: old[k] for k in changed}},
                new={"id": definition.pk, **{k: new[k] for k in changed}},
            )
    return definition


def do_retire_field(*, actor: User, definition: FieldDefinition, now: Any) -> FieldDefinition:
    """Hide a field everywhere; its values and key stay (history, exports)."""
    _require_admin(actor)
    with transaction.atomic():
        definition = _locked(definition.pk)
        if definition.is_active:
            definition.is_active = False
            definition.updated_at = now
            definition.save(update_fields=["is_active", "updated_at"])
            core_audit.record(
                "custom_field.retired",
                actor=actor,
                now=now,
                field="field",
                old={"id": definition.pk, "key": definition.key, "is_active": True},
                new={"id": definition.pk, "key": definition.key, "is_active": False},
            )
    return definition


def settable_definitions(actor: User | None, target: str) -> list[FieldDefinition]:
    """The fields ``actor`` may set: staff their visible ones, a customer (the portal's
    new case) the public case fields, caredesk itself (imports) every active one."""
    if actor is None:
        return selectors.definitions(target)
    if actor.is_customer:
        return selectors.public_definitions() if target == Target.CASE else []
    return selectors.visible_definitions(actor, target)


def check_values(
    defs: list[FieldDefinition], values: Mapping[str, Any]
) -> dict[str, tuple[FieldDefinition, Value]]:
    """Check raw ``values`` {key: raw} against ``defs``; unknown keys are refused."""
    if not isinstance(values, Mapping):
        raise InvalidInput("fields is an object of field keys and values.", field="fields")
    by_key = {d.key: d for d in defs}
    checked: dict[str, tuple[FieldDefinition, Value]] = {}
    for key, raw in values.items():
        d = by_key.get(key) if isinstance(key, str) else None
        if d is None:
            raise InvalidInput(
                f"There is no field {str(key)[:40]!r}.", field=str(key)[:40], code="unknown_field"
            )
        checked[key] = (d, check_value(d, raw))
    return checked


def missing_required(
    defs: list[FieldDefinition], values: Mapping[str, Value], status: str, team_id: int | None
) -> list[FieldDefinition]:
    """The fields required on ``status`` that are empty (team fields only for their teams)."""
    missing = []
    for d in defs:
        if status not in d.required_on or values.get(d.key) is not None:
            continue
        teams = {t.pk for t in d.teams.all()}
        if teams and team_id not in teams:
            continue
        missing.append(d)
    return missing


def _rows(d: FieldDefinition, object_id: int, value: Value) -> list[FieldValue]:
    if value is None:
        return []
    if d.kind == Kind.MULTISELECT:
        assert isinstance(value, list)
        return [FieldValue(field=d, object_id=object_id, value_text=v) for v in value]
    if d.kind == Kind.NUMBER:
        assert isinstance(value, Decimal)
        return [FieldValue(field=d, object_id=object_id, value_number=value)]
    if d.kind == Kind.DATE:
        assert isinstance(value, date)
        return [FieldValue(field=d, object_id=object_id, value_date=value)]
    if d.kind == Kind.CHECKBOX:
        return [FieldValue(field=d, object_id=object_id, value_number=Decimal(1))]
    assert isinstance(value, str)
    return [FieldValue(field=d, object_id=object_id, value_text=value)]


def do_set_field_values(
    obj: Ticket | Customer | Organization,
    *,
    actor: User | None,
    values: Mapping[str, Any],
    now: Any,
) -> dict[str, Value]:
    """Set some fields of a case, customer or organization (keys not given are kept).
    Returns the changed fields' new values. One audit event lists old -> new."""
    target = _target_of(obj)
    defs = settable_definitions(actor, target)
    checked = check_values(defs, values)
    model = MODELS[target]
    with transaction.atomic():
        try:
            locked = model._default_manager.select_for_update().get(pk=obj.pk)
        except model.DoesNotExist:  # type: ignore[attr-defined]
            raise NotFound("Not found.") from None
        current = selectors.values_of([d for d, _ in checked.values()], [locked.pk]).get(
            locked.pk, {}
        )
        changed = {k: (d, v) for k, (d, v) in checked.items() if current.get(k) != v}
        if not changed:
            return {}
        if isinstance(locked, Ticket):
            after = {**current, **{k: v for k, (_, v) in changed.items()}}
            missing = missing_required(
                [d for d, _ in changed.values()], after, locked.status, locked.team_id
            )
            if missing:
                raise InvalidInput(
                    f"{missing[0].label} is required while the case is {locked.status}.",
                    field=missing[0].key,
                    code="required",
                )
        FieldValue.objects.filter(
            field_id__in=[d.pk for d, _ in changed.values()], object_id=locked.pk
        ).delete()
        FieldValue.objects.bulk_create(
            [row for d, v in changed.values() for row in _rows(d, locked.pk, v)]
        )
        old = {k: as_json(current.get(k)) for k in changed}
        new = {k: as_json(v) for k, (_, v) in changed.items()}
        if isinstance(locked, Ticket):
            audit.record(locked, actor, "field_changed", now=now, field="fields", old=old, new=new)
        else:
            core_audit.record(
                "field.changed",
                actor=actor,
                now=now,
                field=f"{target}.fields",
                old={"id": locked.pk, "fields": old},
                new={"id": locked.pk, "fields": new},
            )
    return {k: v for k, (_, v) in changed.items()}


def _target_of(obj: object) -> str:
    if isinstance(obj, Ticket):
        return Target.CASE
    if isinstance(obj, Customer):
        return Target.CUSTOMER
    if isinstance(obj, Organization):
        return Target.ORGANIZATION
    raise TypeError(f"custom fields are on cases, customers and organizations, not {obj!r}")


def check_import_values(
    defs: list[FieldDefinition], values: Mapping[str, Any]
) -> tuple[dict[str, tuple[FieldDefinition, Value]], list[tuple[str, str]]]:
    """An imported case's field values checked one by one (``caredesk import``): the
    values kept, and the ``(key, reason)`` of each refused one (reported; the case is
    imported without it)."""
    kept: dict[str, tuple[FieldDefinition, Value]] = {}
    refused: list[tuple[str, str]] = []
    for key, raw in values.items():
        try:
            kept.update(check_values(defs, {key: raw}))
        except DomainError as error:
            refused.append((str(key), error.message))
    return kept, refused


def check_import_required(
    values: Mapping[str, tuple[FieldDefinition, Value]], status: str, team_id: int | None
) -> None:
    """Refuse an imported case whose final status needs a field it has no value for (as
    the status change through the actions would be refused: ``checks.required_fields``)."""
    wanted = [d for d in selectors.required_case_definitions() if status in d.required_on]
    if not wanted:
        return
    missing = missing_required(wanted, {k: v for k, (_, v) in values.items()}, status, team_id)
    if missing:
        names = ", ".join(d.label for d in missing)
        raise InvalidInput(
            f"Fill in {names} before the case is {status}"
            f" ({'it is' if len(missing) == 1 else 'they are'} required then).",
            field=missing[0].key,
            code="required_field",
        )


def import_as_json(values: Mapping[str, tuple[FieldDefinition, Value]]) -> dict[str, Any]:
    """The kept values as the case's ``imported`` audit event lists them."""
    return {k: as_json(v) for k, (_, v) in values.items()}


def do_import_field_values(
    items: Sequence[tuple[Ticket, Mapping[str, tuple[FieldDefinition, Value]]]],
) -> None:
    """The field values of cases just brought in from another desk (checked with
    :func:`check_import_values`), in one INSERT inside the import's transaction (ADR 0037).
    No audit event of their own: the case's one ``imported`` event lists them, and the
    required-field rule does not apply to history (the source closed the case)."""
    FieldValue.objects.bulk_create(
        [
            row
            for ticket, values in items
            for d, v in values.values()
            for row in _rows(d, ticket.pk, v)
        ]
    )


def do_open_ticket_with_fields(
    *, fields: Mapping[str, Any] | None, actor: User | None, now: Any, **case: Any
) -> Ticket:
    """Open a case with its first field values, in one transaction (the portal's new-case
    form, POST /cases): the values are checked first, so a refused value opens nothing.
    A customer sets the public case fields; staff the fields they see."""
    if not fields:
        return case_actions.do_open_ticket(actor=actor, now=now, **case)
    check_values(settable_definitions(actor, Target.CASE), fields)
    with transaction.atomic():
        ticket = case_actions.do_open_ticket(actor=actor, now=now, **case)
        do_set_field_values(ticket, actor=actor, values=fields, now=now)
    return ticket
