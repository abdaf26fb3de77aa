"""Webhooks get field.changed with the changed fields, old and new, by key."""

from __future__ import annotations

import json

from caredesk.channels.webhooks import payload
from caredesk.core.models import Event
from caredesk.customfields.actions import do_set_field_values

from .conftest import define


def test_the_webhook_body_of_a_field_change_names_the_fields(desk, now, case):
    define(desk, now, key="reason", label="Reason", kind="select", options=["late", "damaged"])
    do_set_field_values(case, actor=desk.agent, values={"reason": "late"}, now=now)
    do_set_field_values(case, actor=desk.agent, values={"reason": "damaged"}, now=now)
    event = Event.objects.filter(kind="field.changed").order_by("pk").last()
    body = json.loads(payload.body(event))
    assert body["kind"] == "field.changed"
    assert body["ticket"]["id"] == case.pk
    assert body["data"]["old"] == {"reason": "late"} and body["data"]["new"] == {
        "reason": "damaged"
    }
