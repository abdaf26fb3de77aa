"""Checking definitions and values (pure: no queries, no clock).

A value comes in raw (a form's string, an API's JSON) and leaves as its checked Python
value: ``str`` (text, single select), ``Decimal`` (number), ``date``, ``list[str]``
(multi select, in the options' order) or ``True`` (a ticked checkbox). ``None`` is empty
(an unticked checkbox, an empty multi select). Every refusal is an ``InvalidInput``
naming the field by its key, with a message naming it by its label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from caredesk.core.errors import InvalidInput
from caredesk.customfields.models import FieldDefinition, Kind, Target
from caredesk.tickets.models import SETTABLE_STATUSES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_LABEL = 80
MAX_HELP = 300
MAX_OPTIONS = 100
MAX_OPTION = 100
MAX_TEXT = 500
MAX_NUMBER = Decimal("1e14")
SELECTS = (Kind.SELECT, Kind.MULTISELECT)
Value = str | Decimal | date | list[str] | bool | None


def _line(raw: Any, *, limit: int, what: str, key: str, empty_ok: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(
            _("%(what)s must be text.") % {"what": what}, field=key, code="wrong_type"
        )
    value = " ".join(_CONTROL.sub("", raw).split())
    if not value and not empty_ok:
        raise InvalidInput(_("%(what)s is empty.") % {"what": what}, field=key, code="empty")
    if len(value) > limit:
        raise InvalidInput(
            _("%(what)s is too long (%(length)s characters; the limit is %(limit)s).")
            % {"what": what, "length": len(value), "limit": limit},
            field=key,
            code="too_long",
        )
    return value


@dataclass(frozen=True)
class DefinitionData:
    """Raw input for a field definition; checked by :func:`check_definition`."""

    key: Any
    target: Any
    label: Any
    kind: Any
    options: Any = None
    help_text: Any = ""
    public: Any = False
    required_on: Any = None
    team_ids: list[int] = field(default_factory=list)
    position: Any = 0


def check_key(raw: Any) -> str:
    key = raw.strip() if isinstance(raw, str) else raw
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise InvalidInput(
            _("The key is 1-40 lower-case letters, digits or _, starting with a letter."),
            field="key",
            code="invalid_key",
        )
    return key


def check_options(kind: str, raw: Any) -> list[str]:
    if kind not in SELECTS:
        if raw:
            raise InvalidInput(_("Only select fields have options."), field="options")
        return []
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list):
        raise InvalidInput(_("Options are a list of texts."), field="options", code="wrong_type")
    options: list[str] = []
    for item in raw:
        option = _line(item, limit=MAX_OPTION, what=_("An option"), key="options", empty_ok=True)
        if option and option not in options:
            options.append(option)
    if not options:
        raise InvalidInput(_("A select field needs at least one option."), field="options")
    if len(options) > MAX_OPTIONS:
        raise InvalidInput(
            _("At most %(count)s options.") % {"count": MAX_OPTIONS},
            field="options",
            code="too_many",
        )
    return options


def check_definition(data: DefinitionData) -> dict[str, Any]:
    """The checked values of a definition (``teams`` left to the action)."""
    if data.target not in Target.values:
        raise InvalidInput(_("Choose cases, customers or organizations."), field="target")
    if data.kind not in Kind.values:
        raise InvalidInput(
            _("The type is one of %(kinds)s.") % {"kinds": ", ".join(Kind.values)},
            field="kind",
            code="invalid_kind",
        )
    required_on = data.required_on or []
    if isinstance(required_on, str):
        required_on = [required_on]
    if not isinstance(required_on, list) or any(
        s not in [x.value for x in SETTABLE_STATUSES] for s in required_on
    ):
        raise InvalidInput("required_on lists case statuses.", field="required_on")
    if required_on and data.target != Target.CASE:
        raise InvalidInput(_("Only case fields can be required on a status."), field="required_on")
    if not isinstance(data.public, bool):
        raise InvalidInput("public is true or false.", field="public", code="wrong_type")
    if data.public and data.target != Target.CASE:
        raise InvalidInput(_("Only case fields can be shown in the portal."), field="public")
    try:
        position = int(data.position or 0)
    except (TypeError, ValueError):
        raise InvalidInput(_("The position is a whole number."), field="position") from None
    if not 0 <= position <= 10_000:
        raise InvalidInput(_("The position is between 0 and 10000."), field="position")
    return {
        "key": check_key(data.key),
        "target": data.target,
        "label": _line(data.label, limit=MAX_LABEL, what=_("The label"), key="label"),
        "kind": data.kind,
        "options": check_options(data.kind, data.options),
        "help_text": _line(
            data.help_text, limit=MAX_HELP, what=_("The help text"), key="help_text", empty_ok=True
        ),
        "public": data.public,
        "required_on": sorted(set(required_on)),
        "position": position,
    }


def check_value(definition: FieldDefinition, raw: Any) -> Value:
    """The checked value of ``raw`` for ``definition``; ``None`` when empty."""
    key, label = definition.key, definition.label
    kind = definition.kind
    if raw is None or raw == "" or raw == []:
        return None
    if kind == Kind.CHECKBOX:
        if isinstance(raw, bool):
            return True if raw else None
        if isinstance(raw, str) and raw.lower() in ("on", "true", "1", "yes", "false", "0", "no"):
            return True if raw.lower() in ("on", "true", "1", "yes") else None
        raise InvalidInput(
            _("%(label)s is ticked or not.") % {"label": label}, field=key, code="wrong_type"
        )
    if kind == Kind.MULTISELECT:
        items = raw if isinstance(raw, list) else [raw]
        chosen: set[str] = set()
        for item in items:
            if item == "":
                continue
            if not isinstance(item, str) or item not in definition.options:
                raise InvalidInput(
                    _("%(label)s: %(value)s is not one of its options.")
                    % {"label": label, "value": _shown(item)},
                    field=key,
                    code="unknown_option",
                )
            chosen.add(item)
        return [o for o in definition.options if o in chosen] or None
    if isinstance(raw, list | dict):
        raise InvalidInput(
            _("%(label)s takes one value.") % {"label": label}, field=key, code="wrong_type"
        )
    if kind == Kind.NUMBER:
        return _number(raw, key, label)
    if kind == Kind.DATE:
        if not isinstance(raw, str):
            raise InvalidInput(
                _("%(label)s is a date (YYYY-MM-DD).") % {"label": label},
                field=key,
                code="wrong_type",
            )
        try:
            return date.fromisoformat(raw.strip()[:10]) if len(raw.strip()) == 10 else _no_date()
        except ValueError:
            raise InvalidInput(
                _("%(label)s is a date (YYYY-MM-DD).") % {"label": label},
                field=key,
                code="wrong_type",
            ) from None
    text = _line(raw, limit=MAX_TEXT, what=label, key=key, empty_ok=True)
    if kind == Kind.SELECT and text and text not in definition.options:
        raise InvalidInput(
            _("%(label)s: %(value)s is not one of its options.")
            % {"label": label, "value": _shown(text)},
            field=key,
            code="unknown_option",
        )
    return text or None


def _no_date() -> date:
    raise ValueError("not a date")


def _number(raw: Any, key: str, label: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidInput(
            _("%(label)s is a number.") % {"label": label}, field=key, code="wrong_type"
        )
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, float) else Decimal(repr(raw))
    except InvalidOperation:
        raise InvalidInput(
            _("%(label)s is a number.") % {"label": label}, field=key, code="wrong_type"
        ) from None
    if not value.is_finite() or abs(value) >= MAX_NUMBER:
        raise InvalidInput(
            _("%(label)s is too large a number.") % {"label": label}, field=key, code="too_large"
        )
    return value.quantize(Decimal("0.000001")).normalize()


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def as_json(value: Value) -> Any:
    """A checked value as JSON (API responses, audit events, webhooks)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_text(value: Value) -> str:
    """A checked value as a person reads it (pages)."""
    if value is None:
        return ""
    if value is True:
        return _("Yes")
    if isinstance(value, list):
        return ", ".join(value)
    return str(as_json(value))
