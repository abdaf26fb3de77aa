"""Generated demo cases: varied, plausible, and the same for the same seed.

Everything random is drawn here, up front, into :class:`CaseSpec` values; playing them
(:func:`caredesk.demo.script.play_case`) draws nothing. So a seed fixes the whole desk.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from caredesk.accounts.models import Role, Team, User
from caredesk.customers.models import Customer, Organization, Tier
from caredesk.demo import script as s
from caredesk.demo import texts
from caredesk.demo.fields import ORDER_FIELD, PRODUCT_FIELD, product_option
from caredesk.demo.macros import RESOLVED
from caredesk.demo.people import DemoDesk, ensure_customer
from caredesk.demo.script import CaseSpec, Step
from caredesk.tickets.models import Channel, Priority, Status

T = TypeVar("T")

# Cases spread over the last four weeks.
MAX_AGE = timedelta(days=28)
TEAM_WEIGHTS = {"deliveries": 35, "billing": 25, "returns": 20, "technical": 20}
CHANNEL_WEIGHTS = {Channel.EMAIL: 45, Channel.PORTAL: 25, Channel.PHONE: 20, Channel.API: 10}
PRIORITY_WEIGHTS = {Priority.LOW: 15, Priority.NORMAL: 60, Priority.HIGH: 20, Priority.URGENT: 5}
OFFICE_START, OFFICE_END = 8, 18
# How likely a customer is to write at each hour of the day (UTC): quiet at night.
DAY_CURVE = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8, 8, 7, 5, 3, 2)


def weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_customer_pool(
    desk: DemoDesk, rng: random.Random, now: datetime, size: int
) -> list[Customer]:
    """``size`` customers with made-up names; about a quarter belong to an organization."""
    orgs: list[Organization] = list(desk.orgs.values())
    pool: list[Customer] = []
    seen: set[str] = set()
    while len(pool) < size:
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "")
        email = f"{local}@{rng.choice(texts.EMAIL_DOMAINS)}"
        org = rng.choice(orgs) if rng.random() < 0.25 else None
        if email in seen:
            continue
        seen.add(email)
        pool.append(ensure_customer(email, f"{first} {last}", org, now - MAX_AGE))
    return pool


class Timeline:
    """Times for the steps of one case: always later than the last, never after ``end``.

    Staff work office hours (08:00-18:00 UTC): a staff step that would fall outside them
    moves to the next morning. Once a step would fall after ``end`` the case stops there,
    and no later step happens.
    """

    def __init__(self, rng: random.Random, start: datetime, end: datetime) -> None:
        self.rng = rng
        self.at = start
        self.end = end
        self.stopped = False

    def next(self, low_minutes: float, high_minutes: float, *, staff: bool) -> datetime | None:
        if self.stopped:
            return None
        at = self.at + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))
        if staff and not OFFICE_START <= at.hour < OFFICE_END:
            morning = at if at.hour < OFFICE_START else at + timedelta(days=1)
            at = morning.replace(hour=OFFICE_START, minute=0) + timedelta(
                minutes=self.rng.uniform(0, 40)
            )
        if at >= self.end:
            self.stopped = True
            return None
        self.at = at
        return at


class CaseWriter:
    """Draws generated cases, one at a time."""

    def __init__(self, desk: DemoDesk, rng: random.Random, now: datetime) -> None:
        self.desk = desk
        self.rng = rng
        self.now = now

    def _fields(self, customer: Customer, agent: User, team_name: str) -> dict[str, str]:
        rng = self.rng
        return {
            "product": rng.choice(texts.PRODUCTS),
            "order": f"BH-{rng.randint(150000, 215000)}",
            "first": customer.name.split()[0],
            "name": customer.name,
            "days": str(rng.randint(3, 14)),
            "amount": f"{rng.randint(12, 890)}.{rng.choice(('00', '50', '99'))}",
            "weekday": rng.choice(texts.WEEKDAYS),
            "window": rng.choice(texts.WINDOWS),
            "agent": agent.name.split()[0],
            "team": team_name,
        }

    def _body(self, topic: texts.Topic, channel: str, f: dict[str, str]) -> str:
        rng = self.rng
        parts = [rng.choice(topic.openings)]
        parts += rng.sample(texts.DETAILS, k=rng.randint(0, 2))
        text = " ".join(parts).format(**f)
        if channel == Channel.PHONE:
            return f"Caller's words: {text}"
        greeting = rng.choice(("Hello,\n\n", "Hi,\n\n", "Dear Brightside,\n\n", ""))
        closing = rng.choice(texts.CLOSINGS)
        sign_off = f"{closing}\n{f['name']}" if closing else f["first"]
        return f"{greeting}{text}\n\n{sign_off}"

    def _outcome(self, age: timedelta) -> str:
        """A healthy desk: older cases are done or wait on the customer; only today's
        cases are still new, being worked, or waiting on us."""
        done_chance = 0.95 if age > timedelta(days=5) else 0.75 if age > timedelta(days=1) else 0.3
        if self.rng.random() < done_chance:
            return self.rng.choices(("resolved", "closed", "reopened"), weights=(48, 42, 10))[0]
        if age > timedelta(days=1):
            return "waiting_customer"
        if age < timedelta(hours=6) and self.rng.random() < 0.35:
            return "new"
        return self.rng.choice(("waiting_customer", "waiting_us", "open"))

    def _priority(self, customer: Customer) -> str:
        priority = weighted(self.rng, PRIORITY_WEIGHTS)
        tier = customer.organization.tier if customer.organization else Tier.STANDARD
        # VIP cases opened at low or normal go to high through the desk's automation
        # (demo/automations.py), a run on their timeline.
        if tier == Tier.PRIORITY and priority == Priority.LOW:
            return Priority.NORMAL
        return priority

    def _agent(self, slug: str) -> User:
        """Agents take most cases; leads and managers help out."""
        staff = [self.desk.staff[key] for key in self.desk.members[slug]]
        weights = [3 if user.role == Role.AGENT else 1 for user in staff]
        return self.rng.choices(staff, weights=weights)[0]

    def _opened_at(self) -> datetime:
        """Some time in the last 60 days, mostly during the day and evening (UTC)."""
        rng = self.rng
        days = rng.randrange(MAX_AGE.days)
        hour = rng.choices(range(24), weights=DAY_CURVE)[0]
        start = (self.now - timedelta(days=days)).replace(
            hour=hour, minute=0, second=0, microsecond=0
        )
        opened = start + timedelta(seconds=rng.uniform(0, 3600))
        if opened >= self.now - timedelta(minutes=15):
            opened -= timedelta(days=1)
        return opened

    def case(self, customer: Customer) -> CaseSpec:
        rng, desk = self.rng, self.desk
        slug = weighted(rng, TEAM_WEIGHTS)
        team = desk.teams[slug]
        topic = rng.choice(texts.TOPICS[slug])
        agent = self._agent(slug)
        channel = weighted(rng, CHANNEL_WEIGHTS)
        opened = self._opened_at()
        f = self._fields(customer, agent, team.name)
        spec = CaseSpec(
            opened_at=opened,
            customer=customer,
            subject=rng.choice(topic.subjects).format(**f),
            body=self._body(topic, channel, f),
            channel=channel,
            priority=self._priority(customer),
        )
        if channel == Channel.PHONE:
            # Logged by the agent who took the call, straight into their team.
            spec.opener, spec.team = agent, team
        outcome = self._outcome(self.now - opened)
        if outcome != "new":
            work = CaseWork(self, spec, team, agent, f)
            work.run(outcome, topic)
        return spec


class CaseWork:
    """The steps of one generated case, from triage to its outcome."""

    def __init__(
        self, writer: CaseWriter, spec: CaseSpec, team: Team, agent: User, f: dict[str, str]
    ) -> None:
        self.rng = writer.rng
        self.spec = spec
        self.team = team
        self.agent = agent
        self.lead = team.lead or writer.desk.staff["max"]
        self.f = f
        self.clock = Timeline(writer.rng, spec.opened_at, writer.now - timedelta(minutes=1))

    def staff(self, low: float, high: float, make: Callable[[datetime], Step]) -> bool:
        at = self.clock.next(low, high, staff=True)
        if at is not None:
            self.spec.steps.append(make(at))
        return at is not None

    def customer(self, low: float, high: float, body: str) -> bool:
        at = self.clock.next(low, high, staff=False)
        if at is not None:
            self.spec.steps.append(s.customer(at, body.format(**self.f)))
        return at is not None

    def run(self, outcome: str, topic: texts.Topic) -> None:
        rng, agent, lead, f = self.rng, self.agent, self.lead, self.f
        triage_by = agent if self.spec.channel == Channel.PHONE else lead
        triaged = self.clock.next(2, 30, staff=True)
        if triaged is None:
            return
        self.spec.steps.append(s.assign(triaged, triage_by, agent, self.team))
        values = field_values(topic, f"{self.spec.subject} {self.spec.body}", f)
        if values:  # filled in at triage (demo/fields.py); no draw, so the seed's cases stay
            self.spec.steps.append(s.fields(triaged, agent, **values))
        if rng.random() < 0.35:
            text = rng.choice(texts.NOTES).format(**f)
            self.staff(5, 120, lambda at: s.note(at, agent, text, minutes=spent(at)))
        if rng.random() < 0.75:
            names = list(rng.sample(topic.tags, k=rng.randint(1, len(topic.tags))))
            if rng.random() < 0.2:
                names.append(rng.choice(texts.COMMON_TAGS))
            self.staff(1, 30, lambda at: s.tags(at, agent, *names))
        if rng.random() < 0.05:
            self.staff(5, 60, lambda at: s.priority(at, lead, Priority.URGENT))
        if outcome == "open":
            return
        done = outcome in ("resolved", "closed", "reopened")
        # About half of the solved cases are solved with the first reply.
        first_time = done and rng.random() < 0.5
        after = Status.RESOLVED if first_time else Status.WAITING_CUSTOMER
        answer = topic.reply.format(**f)
        # Answered well within the first-response target (VIP: an hour).
        cc = office_cc(self.spec.customer)
        first = lambda at: s.reply(at, agent, answer, after, cc=cc, minutes=spent(at))  # noqa: E731
        if not self.staff(5, 40, first):
            return
        if outcome == "waiting_customer":
            return
        if not first_time:
            if not self.customer(120, 3 * 1440, rng.choice(texts.FOLLOW_UPS)):
                return
            if outcome == "waiting_us":
                return
            if rng.random() < 0.4:
                # Check with the customer; resolve once they confirm.
                self.staff(15, 90, lambda at: s.reply(at, agent, check_reply(f), minutes=spent(at)))
                self.customer(60, 1440, rng.choice(texts.THANKS))
                self.staff(10, 240, lambda at: s.status(at, agent, Status.RESOLVED))
            else:
                # The everyday closing reply is the desk's macro (demo/macros.py).
                self.staff(15, 120, lambda at: s.macro(at, agent, RESOLVED, Status.RESOLVED))
        if outcome == "closed":
            self.staff(3 * 1440, 7 * 1440, lambda at: s.status(at, agent, Status.CLOSED))
        elif outcome == "reopened":
            reopened = self.customer(1440, 5 * 1440, rng.choice(texts.REOPENS))
            if reopened:
                closing = resolve_reply({**f, "agent": lead.name.split()[0]})
                self.staff(
                    15,
                    120,
                    lambda at: s.reply(at, lead, closing, Status.RESOLVED, minutes=spent(at)),
                )


def spent(at: datetime) -> int | None:
    """Minutes an agent logged on a reply or note (/reports/time/): about two in three log
    3-20 minutes. Read from the step's own time, so it draws nothing from the seed."""
    if at.second % 3 == 0:
        return None
    return 3 + (at.minute + at.second) % 18


def office_cc(customer: Customer) -> tuple[str, ...]:
    """Organizations that share their cases (a hotel group, a care home) have the office
    copied on the first reply (docs/replies.md: a Cc'd address joins the case)."""
    org = customer.organization
    if org is None or not org.shared_cases:
        return ()
    email = customer.primary_email
    return (f"office@{email.split('@', 1)[1]}",) if "@" in email else ()


def field_values(topic: texts.Topic, words: str, f: dict[str, str]) -> dict[str, str]:
    """The custom fields (demo/fields.py) a case gets at triage: the order number when the
    customer's words (subject and message) give it, the product when the topic is about
    one (the agent reads it from the order even when the customer does not name it)."""
    values: dict[str, str] = {}
    if f["order"] in words:
        values[ORDER_FIELD] = f["order"]
    if "{product}" in " ".join(topic.subjects + topic.openings):
        values[PRODUCT_FIELD] = product_option(f["product"])
    return values


def check_reply(f: dict[str, str]) -> str:
    return (
        f"Hi {f['first']},\n\nThat should be everything. Let us know if anything is still "
        f"not right.\n\n{f['agent']}, {f['team']}"
    )


def resolve_reply(f: dict[str, str]) -> str:
    return (
        f"Hi {f['first']},\n\nThank you for your patience. This is now sorted on our side; "
        f"I'll mark the case as resolved. If anything isn't right, just reply and it comes "
        f"straight back to us.\n\n{f['agent']}, {f['team']}"
    )


def generate_specs(
    desk: DemoDesk,
    rng: random.Random,
    now: datetime,
    count: int,
    regulars: Sequence[Customer] = (),
) -> list[CaseSpec]:
    """``count`` cases over the last 60 days. ``regulars`` (the portal demo customers) get a
    few extra cases so their portal has history."""
    pool = make_customer_pool(desk, rng, now, min(200, max(12, count // 4)))
    writer = CaseWriter(desk, rng, now)
    specs = []
    for _ in range(count):
        if regulars and rng.random() < 0.04:
            customer = rng.choice(list(regulars))
        else:
            customer = rng.choice(pool)
        specs.append(writer.case(customer))
    return specs
