from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.customers.models import ContactIdentity, Customer, Organization, Tier
from tests import oncommit

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
LOCALE = Path(__file__).resolve().parent.parent / "caredesk" / "locale"


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """The .mo files are built, never committed (docs/languages.md): compile a missing or
    stale one with GNU gettext's msgfmt, as ``make install`` does. Written aside and
    moved into place, so parallel workers never read half a file."""
    # The global catalogues and each app's own, channels' sub-apps included
    # (caredesk/<app>/locale, caredesk/channels/<app>/locale; docs/languages.md).
    for po in sorted(LOCALE.parent.glob("**/locale/*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        if shutil.which("msgfmt") is None:
            pytest.fail("GNU gettext's msgfmt is missing: run make system-deps")
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(["msgfmt", "--check", "-o", str(partial), str(po)], check=True)
        os.replace(partial, mo)


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


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for caredesk run as its own process on the SQLite database in
    ``data_dir`` (not the test database), as a newcomer would run it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(CAREDESK_DATA_DIR=str(data_dir), CAREDESK_TESTING="false", **extra)
    return env


@pytest.fixture(scope="session")
def migrated_data_dir(tmp_path_factory) -> Path:
    """A data folder that ``caredesk migrate`` has set up, once per test run. Tests that
    need a second, migrated caredesk copy it (``copy_migrated``) instead of migrating
    their own: each migrate is a process of several seconds. tests/test_cli.py still
    migrates a fresh folder itself."""
    data = tmp_path_factory.mktemp("migrated") / "data"
    done = subprocess.run(
        [sys.executable, "-m", "caredesk.cli", "migrate"],
        env=process_env(data),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return data


def copy_migrated(migrated_data_dir: Path, target: Path) -> Path:
    """A private copy of the migrated data folder at ``target`` (no process has it open)."""
    shutil.copytree(migrated_data_dir, target)
    return target


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
