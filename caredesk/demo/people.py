"""The demo desk's people: staff and teams, organizations and named customers.

There are no actions for creating accounts yet, so these rows are written directly, the
way ``caredesk createadmin`` does. Every helper is get-or-create, so loading the demo twice
reuses the same people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.password_validation import validate_password

from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.customers.models import ContactIdentity, Customer, Organization, Tier

# One shared password for every demo staff account. It passes Django's validators
# (length, common passwords, similarity to the staff e-mail addresses and names).
DEMO_PASSWORD = "care-desk-demo-2026"


@dataclass(frozen=True)
class StaffSpec:
    key: str
    email: str
    name: str
    role: Role
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    lead: str
    description: str


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    tier: Tier
    shared_cases: bool = False
    vip_note: str = ""


@dataclass(frozen=True)
class CustomerSpec:
    key: str
    email: str
    name: str
    org: str = ""
    # Shown in the sign-in block at the end of ``caredesk demo``.
    about: str = ""


STAFF = (
    StaffSpec("admin", "admin@caredesk.localhost", "Dana Whitfield", Role.ADMIN),
    StaffSpec(
        "max",
        "max@caredesk.localhost",
        "Max Brenner",
        Role.MANAGER,
        ("billing", "technical"),
    ),
    StaffSpec(
        "lena",
        "lena@caredesk.localhost",
        "Lena Ortiz",
        Role.LEAD,
        ("deliveries", "returns", "billing"),
    ),
    StaffSpec(
        "priya",
        "priya@caredesk.localhost",
        "Priya Nair",
        Role.AGENT,
        ("deliveries", "returns"),
    ),
    StaffSpec(
        "sam",
        "sam@caredesk.localhost",
        "Sam Keller",
        Role.AGENT,
        ("billing", "technical", "deliveries"),
    ),
)

TEAMS = (
    TeamSpec(
        "deliveries",
        "Deliveries",
        "lena",
        "Delivery windows, missed, late and damaged deliveries, redeliveries.",
    ),
    TeamSpec(
        "billing",
        "Billing & Subscriptions",
        "max",
        "Payments, refunds, invoices and Brightside Fit memberships.",
    ),
    TeamSpec(
        "returns",
        "Returns",
        "lena",
        "Returns, exchanges and what can (and cannot) be sent back.",
    ),
    TeamSpec(
        "technical",
        "Technical",
        "max",
        "Accounts, the website and app, assembly and faulty products.",
    ),
)

ORGANIZATIONS = (
    OrgSpec(
        "oakridge",
        "Oakridge Hotels",
        Tier.VIP,
        shared_cases=True,
        vip_note=(
            "Owner Victor Hale has been a client of Max Brenner (manager) for many years. "
            "Escalate to Max (manager); direct line +44 20 7946 0958. Never refuse a "
            "request outright: explain the options, then escalate. Max answers within one "
            "business day."
        ),
    ),
    OrgSpec("riverside", "Riverside Physio", Tier.PRIORITY),
    OrgSpec("maplecourt", "Maple Court Care Home", Tier.PRIORITY, shared_cases=True),
    OrgSpec("linden", "Linden & Co Interiors", Tier.STANDARD),
    OrgSpec("greenfield", "Greenfield Lettings", Tier.STANDARD),
)

# Named customers of the stories. Every customer can sign in to the portal by e-mailed link.
CUSTOMERS = (
    CustomerSpec("maria", "maria@example.com", "Maria Lopez", about="delivery-window dispute"),
    CustomerSpec("tom", "tom@example.net", "Tom Becker", about="gym membership cancellation"),
    CustomerSpec(
        "victor",
        "victor.hale@oakridge-hotels.example",
        "Victor Hale",
        "oakridge",
        about="VIP, Oakridge Hotels (sees all the hotel group's cases)",
    ),
    CustomerSpec("gerald", "gerald.hughes@example.org", "Gerald Hughes"),
    CustomerSpec("aisha", "aisha.rahman@riverside-physio.example", "Aisha Rahman", "riverside"),
    CustomerSpec("colin", "colin.marsh@example.com", "Colin Marsh"),
    CustomerSpec("nadia", "nadia.petrova@maplecourt.example", "Nadia Petrova", "maplecourt"),
    CustomerSpec(
        "hana",
        "hana.okafor@example.com",
        "Hana Okafor",
        about="her problem was solved and she is happy: sees a thank-you voucher",
    ),
)


@dataclass
class DemoDesk:
    staff: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    orgs: dict[str, Organization] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    # Which staff (keys) belong to which team (slug), for realistic assignment.
    members: dict[str, list[str]] = field(default_factory=dict)


def _ensure_staff(spec: StaffSpec, now: datetime) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is not None:
        return user
    extra = {"name": spec.name, "role": spec.role, "date_joined": now}
    if spec.role == Role.ADMIN:
        user = User.objects.create_superuser(spec.email, None, **extra)
    else:
        user = User.objects.create_user(spec.email, None, **extra)
    validate_password(DEMO_PASSWORD, user)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


def ensure_customer(
    email: str,
    name: str,
    organization: Organization | None,
    now: datetime,
) -> Customer:
    """A customer with an e-mail identity and a portal account (sign-in by e-mailed link)."""
    email = email.lower()
    identity = (
        ContactIdentity.objects.select_related("customer__organization")
        .filter(kind=ContactIdentity.Kind.EMAIL, value=email)
        .first()
    )
    if identity is not None:
        return identity.customer
    user = None
    if not User.objects.filter(email=email).exists():
        # Customers have no password: they sign in with a one-time link.
        user = User.objects.create_user(email, None, name=name, role=Role.CUSTOMER)
    customer = Customer.objects.create(
        name=name, organization=organization, user=user, created_at=now
    )
    ContactIdentity.objects.create(
        customer=customer,
        kind=ContactIdentity.Kind.EMAIL,
        value=email,
        verified=True,
        created_at=now,
    )
    return customer


def ensure_people(now: datetime) -> DemoDesk:
    desk = DemoDesk()
    for staff_spec in STAFF:
        desk.staff[staff_spec.key] = _ensure_staff(staff_spec, now)
    for team_spec in TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=team_spec.slug,
            defaults={
                "name": team_spec.name,
                "description": team_spec.description,
                "lead": desk.staff[team_spec.lead],
            },
        )
        desk.teams[team_spec.slug] = team
        desk.members[team_spec.slug] = []
    for staff_spec in STAFF:
        for slug in staff_spec.teams:
            Membership.objects.get_or_create(
                team=desk.teams[slug],
                user=desk.staff[staff_spec.key],
                defaults={"joined_at": now},
            )
            desk.members[slug].append(staff_spec.key)
    for org_spec in ORGANIZATIONS:
        org, _ = Organization.objects.get_or_create(
            name=org_spec.name,
            defaults={
                "tier": org_spec.tier,
                "shared_cases": org_spec.shared_cases,
                "vip_note": org_spec.vip_note,
                "created_at": now,
            },
        )
        desk.orgs[org_spec.key] = org
    for spec in CUSTOMERS:
        member_of = desk.orgs[spec.org] if spec.org else None
        desk.customers[spec.key] = ensure_customer(spec.email, spec.name, member_of, now)
    return desk
