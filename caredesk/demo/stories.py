"""The situations from the seed essays, as cases on the demo desk.

Each story is what a real help desk lives through: a delivery window that was explained
twice and still disputed, a hygiene item that cannot be returned, a cancellation that
took three people, a callback promised and not made, a VIP with a line to management,
and a caller who crossed the line. The stories record policies and the old callback as
notes and tags; the desk's open promises, approval and complaint are in ``open_work``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.demo import script as s
from caredesk.demo.people import DemoDesk
from caredesk.demo.script import CaseSpec
from caredesk.tickets.models import Channel, Priority, Status


def at(now: datetime, days_ago: int, hour: int, minute: int) -> datetime:
    """A time of day, ``days_ago`` days before ``now`` (stories happen in office hours)."""
    return (now - timedelta(days=days_ago)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )


def day(value: datetime) -> str:
    """'Tuesday 3 November' (no zero padding, any platform)."""
    return f"{value:%A} {value.day} {value:%B}"


def delivery_window(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 9, 9, 10)
    lena, priya = desk.staff["lena"], desk.staff["priya"]
    team = desk.teams["deliveries"]
    purchased = now - timedelta(days=31)
    scheduled = now - timedelta(days=17)
    return CaseSpec(
        story="delivery-window",
        opened_at=t,
        customer=desk.customers["maria"],
        channel=Channel.EMAIL,
        subject="Driver came at 11:40 - I waited in all morning",
        body=(
            "Hello,\n\n"
            "I booked the delivery of my corner sofa (order BH-204117) for Tuesday. Nobody "
            "told me it could be any time between 8 and 12. I sat at home the whole morning, "
            "took a day off work for it, and the van turned up at 11:40. And the matching "
            "footstool was not even on the van.\n\n"
            "For the footstool I want a fixed time, 9 o'clock, or I am cancelling the rest of "
            "the order. Frankly this is terrible customer service.\n\n"
            "Maria Lopez"
        ),
        steps=[
            s.assign(t + timedelta(minutes=40), lena, priya, team),
            s.note(
                t + timedelta(hours=1, minutes=10),
                priya,
                "Checked the order history. The four-hour delivery window was explained "
                f"twice: at purchase in the Kingsway store on {day(purchased)} (the delivery "
                "policy is printed on page 2 of her sales receipt) and again on the scheduling "
                f"call on {day(scheduled)}, when Maria chose the 8-12 window herself. The van "
                "arrived inside the window. The footstool was left off by the warehouse - "
                "that part is our mistake. Asked dispatch whether she can be first stop.",
            ),
            s.tags(
                t + timedelta(hours=1, minutes=12),
                priya,
                "delivery-window",
                "policy-explained-twice",
                "redelivery",
            ),
            s.reply(
                t + timedelta(hours=2),
                priya,
                "Dear Maria,\n\n"
                "I'm sorry you lost a morning, and I'm sorry the footstool was missing - that "
                "was our warehouse's mistake and we will fix it at no cost.\n\n"
                "I can't honestly promise you 9 o'clock. Our drivers plan their routes by "
                "area and every home takes a different time, so each delivery gets a "
                "four-hour window (this was on your receipt and in the scheduling call). "
                "What I can do: I've asked dispatch to make you the first stop on Thursday, "
                "which means between 8 and 10. I'll confirm by tomorrow at noon.\n\n"
                "Priya, Brightside Deliveries",
            ),
            s.customer(
                t + timedelta(days=1, hours=3),
                "So you admit nobody can tell me a time. I was never told about a four-hour "
                "window, I would remember. I will tell all my friends not to shop here.",
            ),
            s.note(
                t + timedelta(days=1, hours=4),
                priya,
                "Dispatch confirmed first stop Thursday, 8-10. Calling Maria to tell her; "
                "will not argue about the window again.",
            ),
        ],
    )


def shower_seat(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 6, 8, 40)
    lena, priya = desk.staff["lena"], desk.staff["priya"]
    team = desk.teams["returns"]
    return CaseSpec(
        story="shower-seat",
        opened_at=t,
        customer=desk.customers["gerald"],
        channel=Channel.PORTAL,
        team=team,
        subject="Return an unused shower seat",
        body=(
            "I bought a folding shower seat (item MS-3310, order BH-198842) three weeks ago "
            "for my mother. She has since moved into a care home, so we don't need it any "
            "more. It has been taken out of the box once and never used. I would like to "
            "send it back for a full refund - please send me a returns label."
        ),
        steps=[
            s.assign(t + timedelta(minutes=25), priya, priya, team),
            s.tags(t + timedelta(minutes=30), priya, "return", "hygiene-item", "non-returnable"),
            s.reply(
                t + timedelta(minutes=50),
                priya,
                "Dear Mr Hughes,\n\n"
                "Thank you for explaining, and I'm sorry to hear about the change for your "
                "mother.\n\n"
                "Shower seats, toilet seats and bathing aids are hygiene items. Once they have "
                "left us we can't take them back unless they are faulty - that rule protects "
                "every customer who buys one, because nobody would want a seat that has been "
                "in someone else's home. The rule is shown on the product page and at "
                "checkout before you buy.\n\n"
                "If the seat ever develops a fault, it has a two-year warranty and we will "
                "replace it. Some care homes and charities accept unused aids as donations.\n\n"
                "Priya, Brightside Returns",
                Status.RESOLVED,
            ),
            s.customer(
                t + timedelta(days=1, hours=1),
                "It is UNUSED. It is still practically in the box. Any reasonable shop would "
                "take it back. This is terrible customer service.",
            ),
            s.note(
                t + timedelta(days=1, hours=2),
                lena,
                "Reviewed: the refusal follows the hygiene-items policy, which he saw before "
                "buying. Priya handled this correctly. One more kind reply, then resolve.",
            ),
            s.reply(
                t + timedelta(days=1, hours=3),
                priya,
                "I understand it's frustrating when the seat is as good as new. I checked "
                "with my team lead, and we can't make an exception for hygiene items - it "
                "would mean selling returned seats to other people. If there's anything else "
                "we can help with, just reply here.",
                Status.RESOLVED,
            ),
        ],
    )


def gym_cancellation(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 21, 10, 20)
    sam = desk.staff["sam"]
    team = desk.teams["billing"]
    return CaseSpec(
        story="gym-cancellation",
        opened_at=t,
        customer=desk.customers["tom"],
        channel=Channel.PHONE,
        opener=sam,
        team=team,
        subject="Cancel the personal training sessions on my Brightside Fit membership",
        body=(
            "Caller's words: I want to cancel the personal training sessions on my Brightside "
            "Fit membership. They cost too much and I don't have the time to go. I've already "
            "spent nearly an hour on the phone today - first the sales rep, then his "
            "supervisor, then the senior supervisor. They offered me a cheaper plan, to "
            "postpone the sessions, even to take time off work for them. I don't want any of "
            "that. Please just cancel them. And I don't think I should pay a cancellation fee."
        ),
        steps=[
            s.assign(t + timedelta(minutes=2), sam, sam, team),
            s.note(
                t + timedelta(minutes=8),
                sam,
                "Three people handled this before it reached us (sales rep, his supervisor, "
                "senior supervisor) - almost an hour. Each offered a retention deal; Tom "
                "asked to cancel every time. Cancelled the sessions and waived the 45.00 "
                "cancellation fee as an apology. Membership itself unchanged.",
            ),
            s.tags(t + timedelta(minutes=9), sam, "cancellation", "subscription", "three-people"),
            s.reply(
                t + timedelta(minutes=15),
                sam,
                "Hi Tom,\n\n"
                "Done: your personal training sessions are cancelled from today and you won't "
                "be charged for them again. I've also waived the cancellation fee - you "
                "shouldn't have had to ask three times. Your gym membership is unchanged.\n\n"
                "Sorry it took so long.\nSam, Brightside Billing",
                Status.RESOLVED,
            ),
            s.status(t + timedelta(days=7), sam, Status.CLOSED),
        ],
    )


def overdue_callback(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 16, 7, 55)
    sam, max_ = desk.staff["sam"], desk.staff["max"]
    team = desk.teams["technical"]
    due = (t + timedelta(days=7)).replace(hour=17, minute=0, second=0, microsecond=0)
    return CaseSpec(
        story="overdue-callback",
        opened_at=t,
        customer=desk.customers["aisha"],
        channel=Channel.EMAIL,
        priority=Priority.HIGH,
        subject="Treatment couch stopped lifting",
        body=(
            "Hi,\n\nOur electric treatment couch (order BH-187230, bought in the spring) has "
            "stopped lifting. The motor hums but nothing moves. We have patients booked on it "
            "every day. Can you send an engineer or a replacement motor?\n\n"
            "Aisha Rahman\nPractice manager, Riverside Physio"
        ),
        steps=[
            s.assign(t + timedelta(hours=1), max_, sam, team),
            s.reply(
                t + timedelta(hours=3),
                sam,
                "Hello Aisha,\n\nSorry about the couch. I've asked the manufacturer for a "
                "replacement motor. I will call you back within a week with the date it "
                "arrives and when our engineer can fit it.\n\nSam, Brightside Technical",
            ),
            s.note(
                t + timedelta(hours=3, minutes=5),
                sam,
                f"Promised callback by {day(due)}, 17:00, with the motor delivery date from "
                "the supplier (ticket raised with the manufacturer, ref. ML-55120).",
            ),
            s.tags(t + timedelta(hours=3, minutes=6), sam, "promise", "callback", "faulty"),
            s.customer(
                t + timedelta(days=8, hours=2),
                "Sam said he would call within a week with an update. Nobody has called. "
                "Is the motor coming or not?",
            ),
            s.customer(
                at(now, 1, 11, 30),
                "This is my second message, and I also left a voicemail for Sam last week. "
                "We are turning patients away because the couch doesn't work. Please can "
                "someone actually call me back.",
                channel=Channel.PHONE,
            ),
        ],
    )


def vip_request(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 1, 9, 5)
    lena = desk.staff["lena"]
    team = desk.teams["deliveries"]
    return CaseSpec(
        story="vip",
        opened_at=t,
        customer=desk.customers["victor"],
        channel=Channel.EMAIL,
        priority=Priority.HIGH,
        subject="40 bedside tables for the Harbour Street reopening - need them Friday",
        body=(
            "Max knows about this.\n\n"
            "We reopen the Harbour Street hotel on Saturday and need the 40 walnut bedside "
            "tables (order BH-210554) delivered on Friday before 10am - not 'in the week after' "
            "as your confirmation says. Put them on their own van if you have to. I don't "
            "expect to hear no.\n\nVictor Hale\nOakridge Hotels"
        ),
        steps=[
            s.assign(t + timedelta(minutes=30), lena, lena, team),
            s.tags(t + timedelta(minutes=31), lena, "vip", "escalated", "delivery-date"),
            s.note(
                t + timedelta(minutes=50),
                lena,
                "VIP (Oakridge Hotels): per the organization note this goes to Max. A "
                "dedicated Friday-morning van costs about 380.00 - above my authority. "
                "Called Max on his direct line; he will decide by 12:00 tomorrow.",
                minutes=15,
            ),
            s.reply(
                t + timedelta(hours=1),
                lena,
                "Dear Mr Hale,\n\n"
                "Thank you - I understand how much Saturday's reopening matters. A Friday "
                "delivery before 10am needs a dedicated van, which our manager Max Brenner "
                "decides on. You will have a clear answer from us by 12:00 tomorrow.\n\n"
                "Lena Ortiz, Deliveries team lead",
                Status.WAITING_US,
                cc=("gm.harbourstreet@oakridge-hotels.example",),
                minutes=10,
            ),
        ],
    )


def abusive_caller(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 3, 13, 20)
    lena, priya = desk.staff["lena"], desk.staff["priya"]
    team = desk.teams["deliveries"]
    return CaseSpec(
        story="abuse",
        opened_at=t,
        customer=desk.customers["colin"],
        channel=Channel.PHONE,
        opener=priya,
        team=team,
        priority=Priority.HIGH,
        subject="Where is my wardrobe (order BH-209981)?",
        body=(
            "Caller's words: Where is my wardrobe? You people are completely useless. I've "
            "been sat here since eight and you're too thick to read a map. Put me through to "
            "someone who isn't an idiot or I'll come down to the shop and sort you out myself."
        ),
        steps=[
            s.assign(t + timedelta(minutes=1), priya, priya, team),
            s.note(
                t + timedelta(minutes=6),
                priya,
                "Caller shouted and insulted me repeatedly. I warned him twice that I would "
                "end the call, then ended it, as the abuse policy allows. For the record: the "
                "wardrobe is on today's van, stop 9, window 12-4. Passing to Lena.",
            ),
            s.tags(t + timedelta(minutes=7), priya, "abuse", "call-ended"),
            s.assign(
                t + timedelta(minutes=8),
                priya,
                lena,
                team,
                "Abusive call ended after two warnings. Please review and decide how we "
                "follow up with the customer. Delivery itself is on track.",
            ),
            s.customer(
                t + timedelta(hours=2),
                "Don't bother ringing back. Your driver still isn't here. I'll write a review "
                "everyone will read, you useless morons.",
                channel=Channel.EMAIL,
            ),
        ],
    )


def misunderstood_question(desk: DemoDesk, now: datetime) -> CaseSpec:
    t = at(now, 4, 8, 15)
    sam = desk.staff["sam"]
    team = desk.teams["technical"]
    return CaseSpec(
        story="misunderstood",
        opened_at=t,
        customer=desk.customers["nadia"],
        channel=Channel.PORTAL,
        team=team,
        subject="Download all our invoices for last year",
        body=(
            "Hello, our accountant needs every invoice from the last financial year. Is there "
            "a way to download them all at once, as one file, instead of opening 60 orders "
            "one by one? Thanks, Nadia (Maple Court Care Home)"
        ),
        steps=[
            s.reply(
                t + timedelta(hours=2),
                sam,
                "Hi Nadia, to reset your password: go to Sign in, choose 'Forgotten your "
                "password?', enter your e-mail address and follow the link we send you. "
                "The link is valid for 15 minutes.",
            ),
            s.customer(
                t + timedelta(hours=5),
                "That's not what I asked. I can sign in fine. I need all of last year's "
                "invoices in one download for our accountant.",
            ),
            s.note(
                t + timedelta(hours=5, minutes=20),
                sam,
                "My mistake - answered a question she never asked (mixed it up with another "
                "case). There's no bulk download yet; asking billing to send a zip.",
            ),
            s.tags(t + timedelta(hours=5, minutes=21), sam, "invoice", "misunderstood"),
        ],
    )


def story_specs(desk: DemoDesk, now: datetime) -> list[CaseSpec]:
    return [
        build(desk, now)
        for build in (
            delivery_window,
            shower_seat,
            gym_cancellation,
            overdue_callback,
            vip_request,
            abusive_caller,
            misunderstood_question,
        )
    ]
