"""Custom fields' part of a privacy request (``CAREDESK_PRIVACY_PARTS``,
caredesk/privacy/parts.py): the values of the customer's fields, of their organization's
none (an organization is not a person), and of their cases' fields.

Export lists every value with its field's key and label. Erasure deletes the customer's
field values, and the free-text values of their cases' fields (a select's option, a
number, a date or a ticked box is not the customer's words: those stay, so reports
and filters keep their shape, as docs/adr/0027 asks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from caredesk.core.models import Event
from caredesk.customers.models import Customer
from caredesk.customfields import selectors
from caredesk.customfields.models import FieldValue, Kind, Target
from caredesk.customfields.validation import as_json

NAME = "custom fields"


def export(customer: Customer, case_ids: Sequence[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for target, ids in ((Target.CUSTOMER, [customer.pk]), (Target.CASE, list(case_ids))):
        defs = selectors.definitions(target, active=False)
        for object_id, values in selectors.values_of(defs, ids).items():
            for d in defs:
                if d.key in values:
                    rows.append(
                        {
                            "field": {
                                "on": target,
                                "id": object_id,
                                "key": d.key,
                                "label": d.label,
                                "value": as_json(values[d.key]),
                            }
                        }
                    )
    return rows


def erase(customer: Customer, case_ids: Sequence[int]) -> int:
    # The history of the customer's fields (core events, no case ties them to the
    # customer, so the privacy app's scrub does not see them): ids kept, values dropped.
    changed = 0
    for event in Event.objects.filter(
        kind="field.changed", data__field=f"{Target.CUSTOMER}.fields"
    ).only("pk", "data"):
        data = dict(event.data or {})
        if (data.get("new") or {}).get("id") != customer.pk:
            continue
        data["old"] = data["new"] = {"id": customer.pk, "fields": None}
        changed += Event.objects.filter(pk=event.pk).update(data=data)
    changed += FieldValue.objects.filter(
        field__target=Target.CUSTOMER, object_id=customer.pk
    ).delete()[0]
    changed += FieldValue.objects.filter(
        field__target=Target.CASE, field__kind=Kind.TEXT, object_id__in=list(case_ids)
    ).delete()[0]
    return changed
