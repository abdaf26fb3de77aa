from __future__ import annotations

from caredesk.automations.actions import do_create_automation
from caredesk.automations.validation import AutomationData
from caredesk.tickets import actions
from caredesk.tickets.models import Channel


def open_case(desk, now, customer=None, **kw):
    params = dict(
        customer=customer or desk.alice,
        subject="Delivery came outside the window",
        body="The van came at 7pm although I booked 8-12.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


def automate(desk, now, *, actor=None, **kw):
    fields = dict(
        name="Tag deliveries",
        events=["case.created"],
        actions=[{"kind": "add_tags", "tags": ["delivery"]}],
    )
    fields.update(kw)
    return do_create_automation(actor=actor or desk.lead, data=AutomationData(**fields), now=now)
