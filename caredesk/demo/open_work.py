"""Work in progress on the demo desk: what a healthy desk has open on any day.

A callback promised for later today, an update promised for tomorrow, a refund waiting
for the lead's approval and a customer's complaint waiting for review. Times are relative
to ``now``, so a newcomer loading the demo at any hour sees them open and not yet late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.demo import script as s
from caredesk.demo.people import DemoDesk
from caredesk.demo.script import CaseSpec
from caredesk.demo.stories import at
from caredesk.promises.models import Kind
from caredesk.tickets.models import Channel, Priority, Status


def due_later_today(now: datetime) -> datetime:
    """Three hours from now, but still today (in UTC, the demo's office clock)."""
    end_of_day = now.replace(hour=23, minute=45, second=0, microsecond=0)
    return max(min(now + timedelta(hours=3), end_of_day), now + timedelta(minutes=10))


def callback_today(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = now - timedelta(minutes=80)
    priya, lena = desk.staff["priya"], desk.staff["lena"]
    team = desk.teams["deliveries"]
    due = due_later_today(now)
    return CaseSpec(
        story="callback-today",
        opened_at=t,
        customer=desk.customers["gerald"],
        channel=Channel.PHONE,
        opener=priya,
        team=team,
        priority=Priority.HIGH,
        subject="Sofa delivered with a torn cushion (order BH-208114)",
        body=(
            "Caller's words: The sofa came this morning and one of the seat cushions is torn "
            "along the seam. I'd like a replacement cushion, not a whole new sofa, and I "
            "want to know when it can come."
        ),
        steps=[
            s.assign(t + timedelta(minutes=2), priya, priya, team),
            s.promise(
                t + timedelta(minutes=12),
                priya,
                "Hello Gerald,\n\nSorry about the cushion. I've asked the warehouse for a "
                "replacement and I'll call you back today with the delivery date.\n\n"
                "Priya, Brightside Deliveries",
                Kind.CALLBACK,
                "Call back with the replacement cushion's delivery date",
                due,
            ),
            s.goodwill(
                t + timedelta(minutes=15),
                priya,
                "refund",
                "120",
                "Partial refund for the torn cushion while the replacement is on its way; "
                "above my limit of 50.",
            ),
            s.note(
                t + timedelta(minutes=16),
                priya,
                f"Asked {lena.name.split()[0]} to approve a 120 refund; callback promised today.",
            ),
        ],
    )


def update_tomorrow(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 1, 14, 10)
    sam, max_ = desk.staff["sam"], desk.staff["max"]
    team = desk.teams["technical"]
    due = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    return CaseSpec(
        story="update-tomorrow",
        opened_at=t,
        customer=desk.customers["colin"],
        channel=Channel.EMAIL,
        subject="App won't show my order history",
        body=(
            "Hi,\n\nSince the last update the Brightside app shows an empty order history, "
            "although the website shows all my orders. I need an invoice from March.\n\n"
            "Colin Marsh"
        ),
        steps=[
            s.assign(t + timedelta(minutes=20), max_, sam, team),
            s.promise(
                t + timedelta(minutes=45),
                sam,
                "Hello Colin,\n\nThanks for the details. Our developers are looking at the "
                "app; I'll send you an update by tomorrow noon, and the March invoice is "
                "attached to your account on the website in the meantime.\n\n"
                "Sam, Brightside Technical",
                Kind.UPDATE,
                "Update on the empty order history in the app",
                due,
            ),
        ],
    )


def complaint_to_review(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 6, 10, 5)
    priya, lena = desk.staff["priya"], desk.staff["lena"]
    team = desk.teams["returns"]
    return CaseSpec(
        story="complaint",
        opened_at=t,
        customer=desk.customers["nadia"],
        channel=Channel.PORTAL,
        subject="Return of two bed rails",
        body=(
            "We ordered two bed rails for a resident and they are the wrong height. Please "
            "collect them and refund us. They have been fitted once and taken off again."
        ),
        steps=[
            s.assign(t + timedelta(minutes=25), lena, priya, team),
            s.reply(
                t + timedelta(hours=1),
                priya,
                "Hello Nadia,\n\nI'm sorry the rails don't fit. Fitted bed rails are care "
                "equipment we can't take back once used, as the returns policy says, but I "
                "can offer an exchange for the right height at no delivery charge.\n\n"
                "Priya, Brightside Returns",
                Status.RESOLVED,
            ),
            s.complaint(
                t + timedelta(days=2),
                priya,
                "The agent refused our return although the rails were only fitted for a "
                "minute. We are a long-standing customer and expected more flexibility.",
            ),
        ],
    )


def open_work_specs(desk: DemoDesk, now: datetime) -> list[CaseSpec]:
    return [callback_today(desk, now), update_tomorrow(desk, now), complaint_to_review(desk, now)]
