"""Bulk data generator for the benchmark.

This is a data generator, not product code: it writes tickets, messages, search entries,
audit events and tags with ``bulk_create`` so 100,000 cases take a minute, not an hour.
The rows have the same shape the actions write (a "created" event, the first message as
the original request, one search entry per subject and per message), so the queries
measured afterwards see realistic data. The product never writes rows this way; the
demo (``caredesk demo``) and every channel go through ``caredesk.tickets.actions``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from caredesk.accounts.models import User
from caredesk.customers.models import ContactIdentity, Customer, Organization
from caredesk.demo import texts
from caredesk.demo.people import DemoDesk
from caredesk.tickets.models import (
    AuditEvent,
    Channel,
    Message,
    MessageKind,
    Priority,
    SearchEntry,
    Status,
    Tag,
    Ticket,
)

BATCH = 2000
HISTORY = timedelta(days=730)
TEAM_WEIGHTS = {"deliveries": 35, "billing": 25, "returns": 20, "technical": 20}
CHANNELS = (Channel.EMAIL, Channel.EMAIL, Channel.PORTAL, Channel.PHONE, Channel.API)
PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.NORMAL, Priority.NORMAL, Priority.HIGH)
EVENT_FIELDS = {"created": "", "assigned": "assignee", "status_changed": "status"}
OPEN = (Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_US)


def make_customers(rng: random.Random, count: int, orgs: list[Organization]) -> list[Customer]:
    customers = [
        Customer(
            name=f"{rng.choice(texts.FIRST_NAMES)} {rng.choice(texts.LAST_NAMES)}",
            organization=rng.choice(orgs) if rng.random() < 0.2 else None,
        )
        for _ in range(count)
    ]
    Customer.objects.bulk_create(customers, batch_size=BATCH)
    ContactIdentity.objects.bulk_create(
        (
            ContactIdentity(
                customer=c,
                kind=ContactIdentity.Kind.EMAIL,
                value=f"bench{c.pk}@example.com",
                verified=True,
            )
            for c in customers
        ),
        batch_size=BATCH,
    )
    return customers


@dataclass
class Plan:
    ticket: Ticket
    fields: dict[str, str]
    topic: texts.Topic
    agent: User
    has_note: bool
    has_follow_up: bool


@dataclass
class Generator:
    desk: DemoDesk
    customers: list[Customer]
    rng: random.Random
    now: datetime

    def __post_init__(self) -> None:
        names = {name for topics in texts.TOPICS.values() for t in topics for name in t.tags}
        for name in sorted(names):
            Tag.objects.get_or_create(name=name)
        self.tags = {tag.name: tag.pk for tag in Tag.objects.all()}
        self.slugs = list(TEAM_WEIGHTS)
        self.weights = list(TEAM_WEIGHTS.values())

    def _fields(self, customer: Customer, agent: User) -> dict[str, str]:
        rng = self.rng
        return {
            "product": rng.choice(texts.PRODUCTS),
            "order": f"BH-{rng.randint(100000, 999999)}",
            "first": customer.name.split()[0],
            "name": customer.name,
            "days": str(rng.randint(3, 14)),
            "amount": f"{rng.randint(12, 890)}.00",
            "weekday": rng.choice(texts.WEEKDAYS),
            "window": rng.choice(texts.WINDOWS),
            "agent": agent.name.split()[0],
            "team": "Brightside",
        }

    def add(self, count: int) -> None:
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            self._batch(size)
            done += size

    def _batch(self, size: int) -> None:
        rng, now = self.rng, self.now
        tickets: list[Ticket] = []
        plans: list[Plan] = []
        for _ in range(size):
            slug = rng.choices(self.slugs, weights=self.weights)[0]
            team = self.desk.teams[slug]
            members = self.desk.members[slug]
            agent = self.desk.staff[rng.choice(members)]
            customer = rng.choice(self.customers)
            topic = rng.choice(texts.TOPICS[slug])
            f = self._fields(customer, agent)
            age = timedelta(seconds=rng.uniform(60, HISTORY.total_seconds()))
            created = now - age
            recent = age < timedelta(days=14)
            is_open = rng.random() < (0.5 if recent else 0.03)
            status = rng.choice(OPEN) if is_open else rng.choice((Status.RESOLVED, Status.CLOSED))
            assigned = status != Status.NEW
            updated = created + min(age, timedelta(hours=rng.uniform(1, 240))) * 0.9
            body = " ".join(
                [rng.choice(topic.openings), *rng.sample(texts.DETAILS, k=rng.randint(0, 2))]
            ).format(**f)
            has_note = assigned and rng.random() < 0.3
            has_follow_up = assigned and rng.random() < 0.4
            ticket = Ticket(
                subject=rng.choice(topic.subjects).format(**f),
                status=status,
                priority=rng.choice(PRIORITIES),
                channel=rng.choice(CHANNELS),
                customer=customer,
                organization_id=customer.organization_id,
                team=team if assigned or rng.random() < 0.5 else None,
                assignee=agent if assigned else None,
                original_request=body,
                created_at=created,
                updated_at=updated,
                last_customer_message_at=created,
                first_response_at=created + (updated - created) / 3 if assigned else None,
                resolved_at=updated if status in (Status.RESOLVED, Status.CLOSED) else None,
                closed_at=updated if status == Status.CLOSED else None,
                message_count=1 + (assigned + has_note + has_follow_up),
            )
            tickets.append(ticket)
            plans.append(Plan(ticket, f, topic, agent, has_note, has_follow_up))
        Ticket.objects.bulk_create(tickets, batch_size=BATCH)
        self._children(plans)

    def _children(self, plans: list[Plan]) -> None:
        rng = self.rng
        messages: list[Message] = []
        entries: list[SearchEntry] = []
        events: list[AuditEvent] = []
        links = []
        for plan in plans:
            ticket, f, topic, agent = plan.ticket, plan.fields, plan.topic, plan.agent
            span = ticket.updated_at - ticket.created_at
            thread = [
                Message(
                    ticket=ticket,
                    kind=MessageKind.CUSTOMER,
                    author_customer=ticket.customer,
                    channel=ticket.channel,
                    body=ticket.original_request,
                    created_at=ticket.created_at,
                )
            ]
            if ticket.assignee is not None:
                if plan.has_note:
                    note = rng.choice(texts.NOTES).format(**f)
                    thread.append(self._staff(ticket, agent, MessageKind.NOTE, note, span * 0.2))
                thread.append(
                    self._staff(ticket, agent, MessageKind.REPLY, topic.reply.format(**f), span / 3)
                )
                if plan.has_follow_up:
                    follow = rng.choice(texts.FOLLOW_UPS).format(**f)
                    thread.append(
                        Message(
                            ticket=ticket,
                            kind=MessageKind.CUSTOMER,
                            author_customer=ticket.customer,
                            channel=ticket.channel,
                            body=follow,
                            created_at=ticket.created_at + span * 0.6,
                        )
                    )
            messages += thread
            entries.append(
                SearchEntry(ticket=ticket, message=None, public=True, content=ticket.subject)
            )
            events.append(self._event(ticket, None, "created", ticket.created_at, public=True))
            if ticket.assignee is not None:
                events.append(self._event(ticket, agent, "assigned", ticket.created_at))
                events.append(self._event(ticket, agent, "status_changed", ticket.updated_at))
            if rng.random() < 0.5:
                links.append(
                    Ticket.tags.through(ticket_id=ticket.pk, tag_id=self.tags[topic.tags[0]])
                )
        Message.objects.bulk_create(messages, batch_size=BATCH)
        entries += [
            SearchEntry(ticket=m.ticket, message=m, public=m.is_public, content=m.body)
            for m in messages
        ]
        SearchEntry.objects.bulk_create(entries, batch_size=BATCH)
        AuditEvent.objects.bulk_create(events, batch_size=BATCH)
        Ticket.tags.through.objects.bulk_create(links, batch_size=BATCH)

    @staticmethod
    def _staff(ticket: Ticket, agent: User, kind: str, body: str, after: timedelta) -> Message:
        return Message(
            ticket=ticket,
            kind=kind,
            author_user=agent,
            channel=Channel.AGENT,
            body=body,
            created_at=ticket.created_at + after,
        )

    @staticmethod
    def _event(
        ticket: Ticket, actor: User | None, verb: str, at: datetime, *, public: bool = False
    ) -> AuditEvent:
        return AuditEvent(
            ticket=ticket,
            actor=actor,
            actor_kind=AuditEvent.ActorKind.STAFF if actor else AuditEvent.ActorKind.SYSTEM,
            actor_label=actor.display_name if actor else "caredesk",
            verb=verb,
            field=EVENT_FIELDS[verb],
            new_value={"status": ticket.status} if verb == "status_changed" else None,
            public=public,
            created_at=at,
        )
