"""What a view filters on, checked: the one place raw filter input (a form, the API's
JSON, a stored row) becomes something a query may use.

Anything unknown, of the wrong type, or oversized is refused with the field's name
(:class:`~caredesk.core.errors.InvalidInput`); nothing is guessed or silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from caredesk.core.errors import InvalidInput
from caredesk.customers.models import Tier
from caredesk.customfields.validation import KEY_RE, MAX_TEXT
from caredesk.tickets.models import Channel, Priority, Status

MAX_JSON_BYTES = 4_000
MAX_LIST = 20
MAX_TAG = 50
SORTS = {
    "updated": _("Last updated"),
    "waiting": _("Oldest waiting"),
    "priority": _("Priority"),
    "created": _("Newest created"),
    "promises": _("Promises due"),
}
COLUMNS = {
    "subject": _("Subject"),
    "customer": _("Customer"),
    "status": _("Status"),
    "priority": _("Priority"),
    "team": _("Team"),
    "assignee": _("Assignee"),
    "tags": _("Tags"),
    "sla": _("SLA"),
    "updated": _("Updated"),
}
DEFAULT_COLUMNS = ["subject", "customer", "status", "priority", "assignee", "updated"]
SLA_STATES = {"breached": _("Breached"), "warned": _("Warned"), "ok": _("On time")}
# "open": the open statuses; "done": resolved and closed; "any": every status.
STATES = ("open", "done", "any")
ASSIGNEE_WORDS = ("me", "none")
# Custom fields (docs/custom-fields.md): a filter "field:<key>": "<value>", and a column
# "field:<key>" showing the field's value.
FIELD_PREFIX = "field:"
MAX_FIELD_FILTERS = 5


@dataclass(frozen=True)
class ViewFilters:
    state: str = "open"
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    tier: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    my_teams: bool = False
    no_team: bool = False
    # "me", "none", a staff id as a string, or "" (anyone).
    assignee: str = ""
    tags: list[str] = field(default_factory=list)
    sla: str = ""
    # Custom case fields: key -> value (stored as "field:<key>").
    fields: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        checked = {k: v for k, v in asdict(self).items() if v not in ("", [], False, {})}
        for key, value in checked.pop("fields", {}).items():
            checked[FIELD_PREFIX + key] = value
        return checked


_FIELDS = set(ViewFilters.__dataclass_fields__) - {"fields"}


def field_key(name: Any) -> str | None:
    """The custom field key of a filter or column name "field:<key>" (else None)."""
    if isinstance(name, str) and name.startswith(FIELD_PREFIX):
        key = name[len(FIELD_PREFIX) :]
        if KEY_RE.match(key):
            return key
    return None


def _field_filters(raw: dict[Any, Any]) -> dict[str, str]:
    """The "field:<key>" filters: the syntax only. Whether the field exists and takes the
    value is checked when a view is saved (``savedviews.actions``); a stored view whose
    field was retired since shows no cases (``selectors``), it never fails to open."""
    found: dict[str, str] = {}
    for name, value in raw.items():
        if not (isinstance(name, str) and name.startswith(FIELD_PREFIX)):
            continue
        key = field_key(name)
        if key is None:
            raise InvalidInput(f"{str(name)[:40]!r} is not a field filter.", field="filters")
        if isinstance(value, bool):
            value = "true" if value else ""
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise InvalidInput(
                f"{name}: give one value of at most {MAX_TEXT} characters.", field=name
            )
        found[key] = value.strip()
    if len(found) > MAX_FIELD_FILTERS:
        raise InvalidInput(f"At most {MAX_FIELD_FILTERS} field filters.", field="filters")
    return dict(sorted(found.items()))


def _choices(raw: Any, name: str, allowed: list[str] | tuple[str, ...]) -> list[str]:
    values = _list(raw, name)
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            raise InvalidInput(
                f"{name}: {str(value)[:40]!r} is not one of the choices.", field=name
            )
    return sorted(set(values))


def _list(raw: Any, name: str) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        raise InvalidInput(f"{name} must be a list.", field=name)
    if len(raw) > MAX_LIST:
        raise InvalidInput(f"{name}: at most {MAX_LIST} values.", field=name)
    return raw


def _ids(raw: Any, name: str) -> list[int]:
    ids: list[int] = []
    for value in _list(raw, name):
        if isinstance(value, str) and value.isdigit() and len(value) < 10:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
            raise InvalidInput(f"{name}: {str(value)[:40]!r} is not an id.", field=name)
        ids.append(value)
    return sorted(set(ids))


def _tags(raw: Any) -> list[str]:
    names: list[str] = []
    for value in _list(raw, "tags"):
        if not isinstance(value, str) or len(value) > MAX_TAG:
            raise InvalidInput(
                f"tags: each tag is text of at most {MAX_TAG} characters.", field="tags"
            )
        name = "-".join(value.strip().lower().split())
        if name and name.isprintable() and name not in names:
            names.append(name)
    return sorted(names)


def _flag(raw: Any, name: str) -> bool:
    if raw in (None, "", False, "0", "false"):
        return False
    if raw in (True, "1", "true", "on"):
        return True
    raise InvalidInput(f"{name} must be true or false.", field=name)


def _word(raw: Any, name: str, allowed: tuple[str, ...] | list[str]) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or raw not in allowed:
        raise InvalidInput(f"{name}: {str(raw)[:40]!r} is not one of the choices.", field=name)
    return raw


def _assignee(raw: Any) -> str:
    if raw in (None, ""):
        return ""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, str) and (raw in ASSIGNEE_WORDS or (raw.isdigit() and len(raw) < 10)):
        return raw
    raise InvalidInput("assignee must be 'me', 'none' or a staff id.", field="assignee")


def check_filters(raw: Any) -> ViewFilters:
    """The checked filters from a mapping (API JSON, a stored row, a form's values)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("filters must be an object.", field="filters")
    unknown = sorted(
        str(k)[:40]
        for k in raw
        if k not in _FIELDS and not (isinstance(k, str) and k.startswith(FIELD_PREFIX))
    )
    if unknown:
        raise InvalidInput(f"Unknown filter: {', '.join(unknown[:5])}.", field="filters")
    if len(json.dumps(raw, default=str)) > MAX_JSON_BYTES:
        raise InvalidInput(
            f"filters are too large (limit {MAX_JSON_BYTES} bytes).", field="filters"
        )
    state = _word(raw.get("state"), "state", STATES) or "open"
    return ViewFilters(
        state=state,
        status=_choices(raw.get("status"), "status", Status.values),
        priority=_choices(raw.get("priority"), "priority", Priority.values),
        channel=_choices(raw.get("channel"), "channel", Channel.values),
        tier=_choices(raw.get("tier"), "tier", Tier.values),
        team=_ids(raw.get("team"), "team"),
        my_teams=_flag(raw.get("my_teams"), "my_teams"),
        no_team=_flag(raw.get("no_team"), "no_team"),
        assignee=_assignee(raw.get("assignee")),
        tags=_tags(raw.get("tags")),
        sla=_word(raw.get("sla"), "sla", tuple(SLA_STATES)),
        fields=_field_filters(raw),
    )


def parse_filters_json(text: str) -> ViewFilters:
    """Filters sent as JSON text (the workspace form's advanced field)."""
    if len(text) > MAX_JSON_BYTES:
        raise InvalidInput(
            f"filters are too large (limit {MAX_JSON_BYTES} bytes).", field="filters"
        )
    try:
        raw = json.loads(text or "{}")
    except (ValueError, RecursionError):
        raise InvalidInput("filters are not valid JSON.", field="filters") from None
    return check_filters(raw)


def check_sort(raw: Any) -> str:
    return _word(raw, "sort", tuple(SORTS)) or "updated"


def check_columns(raw: Any) -> list[str]:
    if raw in (None, []):
        return list(DEFAULT_COLUMNS)
    values = _list(raw, "columns")
    for value in values:
        if not isinstance(value, str) or (value not in COLUMNS and field_key(value) is None):
            raise InvalidInput(f"columns: {str(value)[:40]!r} is not a column.", field="columns")
    return list(dict.fromkeys(values))
