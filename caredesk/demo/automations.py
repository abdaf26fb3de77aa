"""The demo desk's automations (docs/automations.md), switched on by Lena (lead) before the
four weeks of history: every VIP case opened at low or normal priority went to high (a
run on its timeline, made as the case is played). The two time automations - one
reminder to a case waiting on the customer for a week, a notice to the lead when nobody
takes a case for two business hours - start their clocks at the load, for the live desk.
Created through the automation actions; get-or-create by name."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.automations.actions import (
    do_create_automation,
    do_follow_case_states,
    do_set_automation_active,
)
from caredesk.automations.models import Automation, TimeState, Trigger
from caredesk.automations.validation import AutomationData
from caredesk.customers.models import Tier
from caredesk.demo.people import DemoDesk
from caredesk.tickets.models import OPEN_STATUSES, Priority, Status, Ticket

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


def ensure_automations(
    desk: DemoDesk, now: datetime, trigger: str = Trigger.EVENT
) -> dict[str, Automation]:
    """The automations with ``trigger``: the event ones before the cases are played (they
    run as the cases happen), the time ones after (see :func:`run_clocks`)."""
    found: dict[str, Automation] = {}
    for data in AUTOMATIONS:
        if data.trigger != trigger:
            continue
        existing = Automation.objects.filter(name=data.name).first()
        if existing is None:
            existing = do_create_automation(
                actor=desk.staff["lena"], data=data, now=now - timedelta(days=62)
            )
        found[data.name] = existing
    return found


def run_clocks(desk: DemoDesk, now: datetime) -> None:
    """The time automations, created after the history is played: following every state
    change of the hundreds of demo cases with clocks would slow the load badly, and a
    reminder run during the load is a queued mail the worker would send to the demo's
    customers in its first minute. So the clocks of the open cases start now, for the
    live desk (the worker runs them from here on)."""
    time_automations = ensure_automations(desk, now, Trigger.TIME)
    for automation in time_automations.values():
        if not automation.active:  # paused by pause_clocks on a second load
            do_set_automation_active(
                actor=desk.staff["lena"], automation=automation, active=True, now=now
            )
    open_ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    do_follow_case_states(open_ids, now, list(time_automations.values()))


def pause_clocks(desk: DemoDesk, now: datetime) -> None:
    """On a second load the time automations exist already: pause them while the cases are
    played (run_clocks switches them back on), so the same seed gives the same desk."""
    for automation in Automation.objects.filter(trigger=Trigger.TIME, active=True):
        do_set_automation_active(
            actor=desk.staff["lena"], automation=automation, active=False, now=now
        )
