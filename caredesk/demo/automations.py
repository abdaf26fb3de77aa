"""The demo desk's automations (docs/automations.md), switched on by Lena (lead) before the
four weeks of history, so they ran as the cases happened: every VIP case opened at low or
normal priority went to high (a run on its timeline), a case waiting on the customer for
a week got one reminder, and a case nobody took for two business hours notified the team's
lead (the catch-up sweep at the end of the load runs the clocks that ran out).
Created through the automation actions; get-or-create by name."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.automations.actions import do_create_automation
from caredesk.automations.models import Automation, TimeState, Trigger
from caredesk.automations.validation import AutomationData
from caredesk.customers.models import Tier
from caredesk.demo.people import DemoDesk
from caredesk.tickets.models import Priority, Status

VIP_HIGH = "VIP cases start at high priority"
REMINDER = "Waiting on the customer for 7 days: one reminder"
UNASSIGNED = "Unassigned for 2 business hours: tell the lead"

AUTOMATIONS = (
    AutomationData(
        name=VIP_HIGH,
        trigger=Trigger.EVENT,
        events=["case.created"],
        conditions={"tiers": [Tier.VIP], "priorities": [Priority.LOW, Priority.NORMAL]},
        actions=[{"kind": "priority", "value": Priority.HIGH}],
    ),
    AutomationData(
        name=REMINDER,
        trigger=Trigger.TIME,
        time_state=TimeState.STATUS,
        time_status=Status.WAITING_CUSTOMER,
        time_minutes=7 * 24 * 60,
        actions=[
            {
                "kind": "mail",
                "body": "Hi {{ customer.first_name }},\n\nWe are still here to help with your "
                "case. "
                "Could you reply with the details we asked for? If it is sorted, there is "
                "nothing more to do - we close the case in a few days.\n\n"
                "Brightside Home & Health",
            }
        ],
    ),
    AutomationData(
        name=UNASSIGNED,
        trigger=Trigger.TIME,
        time_state=TimeState.UNASSIGNED,
        time_minutes=120,
        time_business=True,
        actions=[
            {
                "kind": "notify",
                "to": "team_lead",
                "text": "Nobody has taken this case for two business hours.",
            }
        ],
    ),
)


def ensure_automations(desk: DemoDesk, now: datetime) -> dict[str, Automation]:
    found: dict[str, Automation] = {}
    for data in AUTOMATIONS:
        existing = Automation.objects.filter(name=data.name).first()
        if existing is None:
            existing = do_create_automation(
                actor=desk.staff["lena"], data=data, now=now - timedelta(days=62)
            )
        found[data.name] = existing
    return found
