"""The simulated desk in the database: service levels, one team, staff and customers.

Set-up data is written directly (it is what an admin configures once); everything the
team does afterwards goes through the product's URLs (see :mod:`.driver`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from bench.care_sim.profiles import SimConfig
from bench.care_sim.staff import Person
from caredesk.accounts.actions import do_create_api_token
from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.customers.models import Customer, Organization, Tier
from caredesk.demo.people import ensure_customer
from caredesk.demo.service_levels import ensure_service_levels
from caredesk.sla.models import BusinessCalendar

CUSTOMERS_PER_TIER = {"vip": 60, "priority": 50, "standard": 250}
ROLES = {"agent": Role.AGENT, "lead": Role.LEAD, "manager": Role.MANAGER}


@dataclass
class Desk:
    team: Team
    users: dict[str, User]
    customers: dict[str, list[Customer]]
    intake_token: str
    calendar: BusinessCalendar
    people: list[Person] = field(default_factory=list)


def build_desk(config: SimConfig, people: list[Person], now: datetime) -> Desk:
    ensure_service_levels()
    calendar = BusinessCalendar.objects.get(name="London office hours")
    users: dict[str, User] = {}
    for person in people:
        users[person.key] = User.objects.create_user(
            f"{person.key}@sim.example",
            None,
            name=person.key.capitalize(),
            role=ROLES[person.role],
            date_joined=now,
        )
    leads = [users[p.key] for p in people if p.role == "lead"]
    team = Team.objects.create(name="Care", slug="care", lead=leads[0] if leads else None)
    Membership.objects.bulk_create(
        Membership(team=team, user=users[p.key], joined_at=now) for p in people
    )
    # The desk's admin (escalations go up to the admin level) and the intake account
    # whose API token files incoming contact; neither takes cases.
    User.objects.create_superuser(
        "admin@sim.example", None, name="Admin", role=Role.ADMIN, date_joined=now
    )
    intake = User.objects.create_user(
        "intake@sim.example", None, name="Intake", role=Role.AGENT, date_joined=now
    )
    token = do_create_api_token(user=intake, name="sim intake", now=now).plaintext
    orgs = {
        "vip": Organization.objects.create(name="Sim VIP Ltd", tier=Tier.VIP),
        "priority": Organization.objects.create(name="Sim Priority Ltd", tier=Tier.PRIORITY),
    }
    rng = random.Random(f"customers-{config.seed}")
    customers: dict[str, list[Customer]] = {}
    for tier, count in CUSTOMERS_PER_TIER.items():
        customers[tier] = [
            ensure_customer(
                f"{tier}{i}-{rng.randrange(10**6)}@customer.example",
                f"Customer {tier} {i}",
                orgs.get(tier),
                now,
            )
            for i in range(count)
        ]
    return Desk(team, users, customers, token, calendar, people)
