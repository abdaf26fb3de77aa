"""Demo cases for "Is this solved?" (docs/resolutions.md): resolved cases still waiting
for the customer's answer, one the customer confirmed, one they reopened with their
words."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.demo import script as s
from caredesk.demo.people import DemoDesk
from caredesk.demo.script import CaseSpec
from caredesk.demo.stories import at
from caredesk.tickets.models import Channel, Status

H = timedelta(hours=1)


def _resolved(
    desk: DemoDesk,
    now: datetime,
    *,
    days_ago: int,
    customer: str,
    agent: str,
    team: str,
    subject: str,
    body: str,
    reply: str,
    then: list[s.Step] | None = None,
) -> CaseSpec:
    t = at(now, days_ago, 9, 40)
    who, lead = desk.staff[agent], desk.staff["lena"]
    return CaseSpec(
        story=f"resolution-{customer}",
        opened_at=t,
        customer=desk.customers[customer],
        channel=Channel.EMAIL,
        subject=subject,
        body=body,
        team=desk.teams[team],
        steps=[
            s.assign(t + timedelta(minutes=20), lead, who, desk.teams[team]),
            s.reply(t + H, who, reply, Status.RESOLVED),
            *(then or []),
        ],
    )


def resolution_specs(desk: DemoDesk, now: datetime) -> list[CaseSpec]:
    return [
        _resolved(
            desk,
            now,
            days_ago=1,
            customer="tom",
            agent="sam",
            team="technical",
            subject="Cannot download my invoice PDF",
            body="The invoice link in my account gives an error page. I need it for my tax return.",
            reply=(
                "Hello Tom,\n\nThe download link was broken for invoices from October; it "
                "works again now. Please try once more.\n\nSam, Technical"
            ),
        ),
        _resolved(
            desk,
            now,
            days_ago=2,
            customer="gerald",
            agent="priya",
            team="returns",
            subject="Collection of the returned walker",
            body="You said a driver would collect the walker this week. Nobody has called.",
            reply=(
                "Hello Gerald,\n\nThe driver collects it on Thursday between 10 and 12; you "
                "will get a text an hour before.\n\nPriya, Returns"
            ),
        ),
        _resolved(
            desk,
            now,
            days_ago=3,
            customer="aisha",
            agent="sam",
            team="technical",
            subject="Order confirmation mails go to spam",
            body="Your order confirmations end up in my spam folder every time.",
            reply=(
                "Hello Aisha,\n\nWe fixed our mail signature settings; new confirmations "
                "should reach your inbox.\n\nSam, Technical"
            ),
            then=[s.answer(at(now, 2, 18, 5), True)],
        ),
        _resolved(
            desk,
            now,
            days_ago=4,
            customer="maria",
            agent="priya",
            team="deliveries",
            subject="Footstool missing from the sofa delivery",
            body="The sofa arrived this morning but the matching footstool was not on the van.",
            reply=(
                "Hello Maria,\n\nThe footstool is booked on tomorrow's van to you.\n\n"
                "Priya, Deliveries"
            ),
            then=[
                s.answer(
                    at(now, 2, 20, 15),
                    False,
                    "The van came today but the footstool was still not on it.",
                )
            ],
        ),
    ]
