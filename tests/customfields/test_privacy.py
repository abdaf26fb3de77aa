"""A customer's field values are in their export and gone after erasure."""

from __future__ import annotations

import io
import json
import zipfile

from caredesk.core.models import Event
from caredesk.customfields.actions import do_set_field_values
from caredesk.customfields.models import FieldValue
from caredesk.privacy import actions

from .conftest import define


def test_export_lists_and_erasure_removes_the_customers_values(desk, now, case):
    define(desk, now, key="contract", target="customer", label="Contract")
    define(desk, now, key="order_no", label="Order number")
    define(desk, now, key="reason", label="Reason", kind="select", options=["late"])
    do_set_field_values(desk.alice, actor=desk.agent, values={"contract": "Alice-77"}, now=now)
    do_set_field_values(desk.bob, actor=desk.agent, values={"contract": "Bob-1"}, now=now)
    do_set_field_values(
        case, actor=desk.agent, values={"order_no": "A-1", "reason": "late"}, now=now
    )
    archive = zipfile.ZipFile(
        io.BytesIO(actions.do_export_customer(desk.alice, actor=desk.admin, now=now).read())
    )
    rows = json.loads(archive.read("other/custom fields.json"))
    assert {(r["field"]["key"], r["field"]["value"]) for r in rows} == {
        ("contract", "Alice-77"),
        ("order_no", "A-1"),
        ("reason", "late"),
    }
    actions.do_erase_customer(desk.alice, actor=desk.admin, confirm=str(desk.alice.pk), now=now)
    left = set(FieldValue.objects.values_list("value_text", flat=True))
    assert left == {"Bob-1", "late"}  # Bob's, and the select option (not Alice's words)
    history = json.dumps(list(Event.objects.filter(kind="field.changed").values("data")))
    assert "Alice-77" not in history and "A-1" not in history and "Bob-1" in history
