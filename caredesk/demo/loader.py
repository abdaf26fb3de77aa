"""``caredesk demo``: load a believable help desk into an empty (or any) database.

The load runs in one transaction (all or nothing, and fast on SQLite) inside
:func:`caredesk.core.effects.suppress_effects`, so the demo's hundreds of replies and
acknowledgements are written and audited but never mailed or queued as tasks.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime
from typing import TextIO

from django.conf import settings
from django.db import transaction

from caredesk.accounts.models import STAFF_ROLES, User
from caredesk.core import clock, deadlines
from caredesk.core.effects import suppress_effects
from caredesk.core.errors import DomainError
from caredesk.demo.automations import ensure_automations, pause_clocks, run_clocks
from caredesk.demo.csat import rate_some
from caredesk.demo.fields import ensure_fields, require_product_on_resolve
from caredesk.demo.generator import generate_specs
from caredesk.demo.incidents import ensure_incident
from caredesk.demo.kb import ensure_kb
from caredesk.demo.macros import ensure_macros
from caredesk.demo.offers import ensure_offers, score_messages, solved_and_happy
from caredesk.demo.open_work import open_work_specs
from caredesk.demo.people import CUSTOMERS, DEMO_PASSWORD, STAFF, ensure_people
from caredesk.demo.policies import ensure_policies_and_records
from caredesk.demo.resolutions import resolution_specs
from caredesk.demo.script import play_case
from caredesk.demo.selfservice import ensure_selfservice
from caredesk.demo.service_levels import ensure_service_levels
from caredesk.demo.stories import story_specs
from caredesk.demo.views import ensure_views
from caredesk.promises import tasks as promise_tasks
from caredesk.reports.aggregates import backfill
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

MAX_CASES = 100_000
REPORT_DAYS = 35  # the generated history is 28 days; the stories reach back 31
# Customers whose sign-in is printed; they also get a few generated cases of their own.
PORTAL_CUSTOMERS = ("maria", "tom", "victor")
# Listed with the portal sign-ins too, but given no generated cases (her offer stays open).
SIGN_IN_CUSTOMERS = (*PORTAL_CUSTOMERS, "hana")


class Progress:
    """One updating line on a terminal; a line every 50 cases otherwise (logs, CI)."""

    def __init__(self, out: TextIO, total: int) -> None:
        self.out = out
        self.total = total
        self.tty = bool(getattr(out, "isatty", lambda: False)())

    def update(self, done: int) -> None:
        line = f"Creating cases: {done}/{self.total}"
        if self.tty:
            if done % 10 == 0 or done == self.total:
                end = "\n" if done == self.total else ""
                self.out.write(f"\r{line}{end}")
                self.out.flush()
        elif done % 50 == 0 or done == self.total:
            self.out.write(line + "\n")
            self.out.flush()


def has_data() -> bool:
    return Ticket.objects.exists() or User.objects.filter(role__in=STAFF_ROLES).exists()


def print_sign_ins(out: TextIO) -> None:
    site = settings.SITE_URL
    out.write(f"\nStaff sign in at {site}{settings.LOGIN_URL}\n")
    out.write(f"  {'role':<9}{'email':<28}password\n")
    for spec in STAFF:
        out.write(f"  {spec.role.value:<9}{spec.email:<28}{DEMO_PASSWORD}   ({spec.name})\n")
    out.write(f"\nCustomers sign in to the portal at {site}/portal/ with a link sent by e-mail:\n")
    for customer in CUSTOMERS:
        if customer.key in SIGN_IN_CUSTOMERS:
            out.write(f"  {customer.email:<38}{customer.name} - {customer.about}\n")
    out.write(
        "  Run `caredesk portal-link EMAIL` for a sign-in link, "
        "or read the link in the server console.\n"
    )


def catch_up(now: datetime) -> None:
    """The demo's older cases passed deadlines while nobody watched: let the sweeps record
    the warnings, breaches, escalations and missed promises now, as the running desk would
    have, with no mail (the caller suppresses effects). Otherwise the first minute of the
    worker mails a backlog of a hundred notices over the sign-ins just printed."""
    promise_tasks.hand_over_away(now)
    deadlines.sweep(now, [k for k in deadlines.kinds() if k != "outbox.retry"])
    rate_some(now)  # a few answers to the surveys the sweep just sent (no mail)
    # Every report table for the demo's whole history (the care dashboard's FCR, repeat
    # contacts and reopens, the waiting times), as `caredesk reports backfill` does.
    backfill(REPORT_DAYS, now)


def load_demo(
    cases: int = 300,
    if_empty: bool = False,
    seed: int = 7,
    *,
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """Create the demo desk; returns a process exit code."""
    out = out or sys.stdout
    if settings.PRODUCTION:
        sys.stderr.write(
            "caredesk: refusing to load demo data with CAREDESK_ENV=production "
            "(demo accounts share a published password).\n"
        )
        return 2
    if not 0 <= cases <= MAX_CASES:
        sys.stderr.write(f"caredesk: --cases must be between 0 and {MAX_CASES:,}.\n")
        return 2
    if if_empty and has_data():
        if User.objects.filter(email=STAFF[0].email).exists():
            out.write("Demo data already loaded.\n")
            print_sign_ins(out)
        else:
            out.write("This database already has staff or cases; the demo was not loaded.\n")
        return 0
    now = now or clock.now()
    started = time.monotonic()
    rng = random.Random(seed)
    out.write(f"Loading the demo help desk (seed {seed})…\n")
    try:
        with suppress_effects(), transaction.atomic():
            desk = ensure_people(now)
            ensure_service_levels(desk.staff["admin"], now)
            ensure_macros(desk, now)
            ensure_views(desk, now)
            ensure_offers(desk.staff["admin"], now)
            ensure_fields(desk, now)
            ensure_automations(desk, now)
            pause_clocks(desk, now)
            stories = (
                story_specs(desk, now) + open_work_specs(desk, now) + resolution_specs(desk, now)
            )
            stories.append(solved_and_happy(desk, now))
            regulars = [desk.customers[key] for key in PORTAL_CUSTOMERS]
            specs = stories + generate_specs(desk, rng, now, cases, regulars)
            # Oldest first, so case references grow with time as they would on a real desk.
            specs.sort(key=lambda spec: spec.opened_at)
            progress = Progress(out, len(specs))
            for done, spec in enumerate(specs, start=1):
                play_case(spec)
                progress.update(done)
            ensure_policies_and_records(desk, now)
            ensure_selfservice(desk.staff["admin"], now)
            ensure_incident(desk, now)
            require_product_on_resolve(desk, now)
            run_clocks(desk, now)
            ensure_kb(desk, now)
            catch_up(now)
            score_messages()
            audit.record(
                None,
                None,
                "demo_loaded",
                now=now,
                new={"stories": len(stories), "generated": cases, "seed": seed},
            )
    except DomainError as exc:
        sys.stderr.write(f"caredesk: the demo could not be loaded: {exc.message}\n")
        return 1
    seconds = time.monotonic() - started
    out.write(
        f"Demo loaded: {len(stories)} stories and {cases} generated cases in {seconds:.1f} s.\n"
    )
    print_sign_ins(out)
    return 0
