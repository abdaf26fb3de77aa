from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.customers.models import ContactIdentity, Customer, Organization, Tier
from tests import oncommit

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _on_commit_callbacks_run(request):
    """Tests with ``db`` run in a transaction that is rolled back; their on-commit
    callbacks (mail, tasks) still run when the code's outermost atomic block exits,
    as after a real commit. See tests/oncommit.py. Tests with real commits
    (``transactional_db``, ``live_server``) need nothing."""
    if not oncommit.uses_database(request) or oncommit.needs_real_commits(request):
        yield
        return
    request.getfixturevalue("db")  # open the test's transaction first: the base level
    from django.db import DEFAULT_DB_ALIAS, connections

    with oncommit.run_on_commit_callbacks(connections[DEFAULT_DB_ALIAS]):
        yield


def make_staff(
    email: str, role: str = Role.AGENT, name: str = "", team: Team | None = None
) -> User:
    user = User.objects.create_user(
        email, "correct horse battery", name=name or email.split("@")[0].title(), role=role
    )
    if team is not None:
        Membership.objects.create(team=team, user=user)
    return user


def make_customer(email: str, name: str = "", organization: Organization | None = None) -> Customer:
    user = User.objects.create_user(
        email, None, name=name or email.split("@")[0].title(), role=Role.CUSTOMER
    )
    customer = Customer.objects.create(name=user.name, organization=organization, user=user)
    ContactIdentity.objects.create(customer=customer, kind=ContactIdentity.Kind.EMAIL, value=email)
    return customer


@pytest.fixture
def desk(db):
    """A small desk: two teams, staff of every role, two customers in two organizations."""
    billing = Team.objects.create(name="Billing", slug="billing")
    delivery = Team.objects.create(name="Delivery", slug="delivery")
    lead = make_staff("lena@desk.test", Role.LEAD, "Lena Lead", billing)
    billing.lead = lead
    billing.save()

    class Desk:
        pass

    d = Desk()
    d.billing, d.delivery = billing, delivery
    d.lead = lead
    d.agent = make_staff("ada@desk.test", Role.AGENT, "Ada Agent", billing)
    d.other_agent = make_staff("otto@desk.test", Role.AGENT, "Otto Other", delivery)
    d.manager = make_staff("max@desk.test", Role.MANAGER, "Max Manager")
    d.admin = User.objects.create_superuser(
        "root@desk.test", "correct horse battery", name="Root Admin"
    )
    d.acme = Organization.objects.create(name="Acme", tier=Tier.VIP)
    d.small = Organization.objects.create(name="Small Shop", tier=Tier.STANDARD)
    d.alice = make_customer("alice@acme.test", "Alice Acme", d.acme)
    d.bob = make_customer("bob@small.test", "Bob Small", d.small)
    return d
