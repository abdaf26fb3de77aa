"""Bringing a source's desk into caredesk through caredesk's own actions.

Order: teams, organizations, people (staff and customers), then cases one by one. Each
case is written in its own transaction with every message, note, attachment, tag, the
assignment and the final status, at the source's own times — or not at all, so a broken
record never leaves half a case. Existing caredesk rows are reused (a customer by email
address, a team or organization by name), and :class:`~caredesk.imports.models.ImportedObject`
remembers every source id, so a re-run continues and never doubles anything.

History is not news: the import runs with side effects suppressed (no acknowledgements,
no mails to customers, no notifications to staff)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from caredesk.accounts import actions as account_actions
from caredesk.accounts.models import STAFF_ROLES, Team, User
from caredesk.core.effects import suppress_effects
from caredesk.core.errors import DomainError
from caredesk.customers import actions as customer_actions
from caredesk.customers.models import ContactIdentity, Customer, Organization
from caredesk.customfields import actions as field_actions
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import Kind as FieldKind
from caredesk.customfields.models import Target
from caredesk.feedback import actions as feedback_actions
from caredesk.feedback import csat
from caredesk.imports.models import ImportedObject
from caredesk.imports.source import (
    Problem,
    Reader,
    SourceCase,
    SourceComment,
    SourceOrganization,
    SourcePerson,
    SourceTeam,
)
from caredesk.tickets import actions as case_actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import Channel, Status, Ticket

Kind = ImportedObject.Kind
TRUNCATED = "\n\n[caredesk: the rest of this message was longer than the limit and was cut]"


@dataclass
class Progress:
    done: int
    total: int | None
    per_second: float
    eta_seconds: float | None


@dataclass
class Summary:
    dry_run: bool
    created: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def problems_as_pairs(self) -> list[tuple[str, str]]:
        return [(p.what, p.message) for p in self.problems]

    def lines(self) -> list[str]:
        verb = "would create" if self.dry_run else "created"
        out = [
            f"{verb}: "
            + (", ".join(f"{n} {k}" for k, n in sorted(self.created.items())) or "nothing")
        ]
        if self.skipped:
            out.append(
                "already there: " + ", ".join(f"{n} {k}" for k, n in sorted(self.skipped.items()))
            )
        out.append(f"problems: {len(self.problems)}")
        out += [f"  {p.what}: {p.message}" for p in self.problems]
        return out


class Importer:
    def __init__(
        self,
        reader: Reader,
        *,
        actor: User,
        now: datetime,
        dry_run: bool = False,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.reader = reader
        self.actor = actor
        self.now = now
        self.dry_run = dry_run
        self.progress = progress
        self.summary = Summary(dry_run=dry_run)
        self.teams: dict[str, Team | None] = {}
        self.organizations: dict[str, Organization | None] = {}
        self.staff: dict[str, User | None] = {}
        self.customers: dict[str, Customer | None] = {}

    # --- bookkeeping ------------------------------------------------------------------

    def _known(self, kind: str, source_id: str) -> int | None:
        row = ImportedObject.objects.filter(
            source=self.reader.name, kind=kind, source_id=source_id
        ).first()
        return row.target_id if row else None

    def _remember(self, kind: str, source_id: str, target_id: int) -> None:
        ImportedObject.objects.create(
            source=self.reader.name, kind=kind, source_id=source_id, target_id=target_id
        )

    def _problem(self, what: str, message: str) -> None:
        self.summary.problems.append(Problem(what, message))

    # --- the run ----------------------------------------------------------------------

    def run(self) -> Summary:
        started = time.monotonic()
        with suppress_effects():
            for team in self.reader.teams():
                self._each(team, self._team)
            for org in self.reader.organizations():
                self._each(org, self._organization)
            for person in self.reader.people():
                self._each(person, self._person)
            for done, case in enumerate(self.reader.cases(), start=1):
                self._each(case, self._case)
                self._report(done, started)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def _each(self, item: object, handle: Callable[[object], None]) -> None:
        if isinstance(item, Problem):
            self.summary.problems.append(item)
            return
        handle(item)

    def _report(self, done: int, started: float) -> None:
        if self.progress is None:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        total = self.reader.case_count()
        eta = (total - done) / rate if total and rate else None
        self.progress(Progress(done, total, rate, eta))

    # --- directory --------------------------------------------------------------------

    def _team(self, item: object) -> None:
        assert isinstance(item, SourceTeam)
        known = self._known(Kind.TEAM, item.id)
        if known is not None:
            self.teams[item.id] = Team.objects.filter(pk=known).first()
            self.summary.skipped["teams"] += 1
            return
        existing = Team.objects.filter(name__iexact=item.name.strip()).first()
        if existing is not None or self.dry_run:
            self.teams[item.id] = existing
            self.summary.created["teams"] += existing is None
            if existing is not None and not self.dry_run:
                self._remember(Kind.TEAM, item.id, existing.pk)
            return
        try:
            with transaction.atomic():
                team = account_actions.do_create_team(
                    actor=self.actor, name=item.name, now=self.now
                )
                self._remember(Kind.TEAM, item.id, team.pk)
        except DomainError as error:
            self._problem(f"team {item.id}", error.message)
            return
        self.teams[item.id] = team
        self.summary.created["teams"] += 1

    def _organization(self, item: object) -> None:
        assert isinstance(item, SourceOrganization)
        known = self._known(Kind.ORGANIZATION, item.id)
        if known is not None:
            self.organizations[item.id] = Organization.objects.filter(pk=known).first()
            self.summary.skipped["organizations"] += 1
            return
        existing = Organization.objects.filter(name__iexact=item.name.strip()).first()
        if existing is not None or self.dry_run:
            self.organizations[item.id] = existing
            self.summary.created["organizations"] += existing is None
            if existing is not None and not self.dry_run:
                self._remember(Kind.ORGANIZATION, item.id, existing.pk)
            return
        try:
            with transaction.atomic():
                org = customer_actions.do_create_organization(
                    actor=self.actor, name=item.name, now=self.now
                )
                self._remember(Kind.ORGANIZATION, item.id, org.pk)
        except DomainError as error:
            self._problem(f"organization {item.id}", error.message)
            return
        self.organizations[item.id] = org
        self.summary.created["organizations"] += 1

    def _person(self, item: object) -> None:
        assert isinstance(item, SourcePerson)
        if item.role == "customer":
            self._customer(item)
        elif item.role in STAFF_ROLES:
            self._staff_member(item)
        else:
            self._problem(f"user {item.id}", f"unknown role {item.role!r}")

    def _staff_member(self, item: SourcePerson) -> None:
        email = item.email.strip().lower()
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            if existing.is_customer:
                self._problem(f"user {item.id}", f"{email} is a customer in caredesk, not staff")
                self.staff[item.id] = None
                return
            self.staff[item.id] = existing
            self.summary.skipped["staff"] += 1
            return
        if self.dry_run:
            self.staff[item.id] = None
            self.summary.created["staff"] += 1
            return
        try:
            with transaction.atomic():
                # No password: they sign in after an admin sets one (or by single sign-on).
                user = account_actions.do_create_staff(
                    actor=self.actor, email=email, name=item.name, role=item.role, now=self.now
                )
                self._remember(Kind.STAFF, item.id, user.pk)
        except DomainError as error:
            self._problem(f"user {item.id}", error.message)
            self.staff[item.id] = None
            return
        self.staff[item.id] = user
        self.summary.created["staff"] += 1

    def _customer(self, item: SourcePerson) -> None:
        email = item.email.strip().lower()
        identity = (
            ContactIdentity.objects.filter(kind=ContactIdentity.Kind.EMAIL, value=email)
            .select_related("customer")
            .first()
        )
        if identity is not None:
            self.customers[item.id] = identity.customer
            self.summary.skipped["customers"] += 1
            return
        org = self.organizations.get(item.organization_id or "")
        if self.dry_run:
            self.customers[item.id] = None
            self.summary.created["customers"] += 1
            return
        try:
            with transaction.atomic():
                customer = customer_actions.do_create_customer(
                    actor=self.actor, name=item.name, organization=org, emails=[email], now=self.now
                )
                self._remember(Kind.CUSTOMER, item.id, customer.pk)
        except DomainError as error:
            self._problem(f"user {item.id}", error.message)
            self.customers[item.id] = None
            return
        self.customers[item.id] = customer
        self.summary.created["customers"] += 1

    # --- cases ------------------------------------------------------------------------

    def _case(self, item: object) -> None:
        assert isinstance(item, SourceCase)
        what = f"case {item.id}"
        if self._known(Kind.CASE, item.id) is not None:
            self.summary.skipped["cases"] += 1
            return
        if item.requester_id not in self.customers:
            self._problem(what, f"its requester {item.requester_id} is not in the export")
            return
        if self.dry_run:
            self.summary.created["cases"] += 1
            self.summary.created["messages"] += len(item.comments)
            return
        customer = self.customers[item.requester_id]
        if customer is None:
            self._problem(what, f"its requester {item.requester_id} could not be imported")
            return
        notes: list[str] = []
        try:
            with transaction.atomic():
                ticket = self._write_case(item, customer, notes)
                self._remember(Kind.CASE, item.id, ticket.pk)
        except DomainError as error:
            self._problem(what, f"not imported: {error.message}")
            return
        except (ValueError, ValidationError) as error:
            self._problem(what, f"not imported: {error}")
            return
        self.summary.problems += [Problem(what, note) for note in notes]
        self.summary.created["cases"] += 1
        self.summary.created["messages"] += len(item.comments)

    def _write_case(self, item: SourceCase, customer: Customer, notes: list[str]) -> Ticket:
        comments = sorted(item.comments, key=lambda c: c.created_at)
        first, rest = comments[0], comments[1:]
        ticket = case_actions.do_open_ticket(
            customer=customer,
            subject=item.subject[:255] or "(no subject)",
            body=self._body(first, notes),
            channel=Channel.EMAIL,
            now=item.created_at,
            priority=item.priority,
            files=self._files(first, notes),
        )
        last = item.created_at
        for comment in rest:
            self._write_comment(ticket, comment, customer, item.requester_id, notes)
            last = comment.created_at
        team = self.teams.get(item.team_id or "")
        assignee = self.staff.get(item.assignee_id or "")
        if team is not None and assignee is not None and not self._member(team, assignee):
            # The source assigned the case within the team, so the agent worked in it.
            members = list(team.members.values_list("pk", flat=True))
            account_actions.do_update_team(
                team, actor=self.actor, now=last, member_ids=[*members, assignee.pk]
            )
            notes.append(f"{assignee.display_name} joined {team.name} (assigned a case there)")
        if team is not None or assignee is not None:
            ticket = case_actions.do_assign(
                ticket, actor=self.actor, assignee=assignee, team=team, now=last
            )
        if item.tags:
            try:
                with transaction.atomic():
                    case_actions.do_set_tags(ticket, actor=self.actor, names=item.tags, now=last)
            except DomainError as error:
                notes.append(f"tags not kept: {error.message}")
        if item.fields:
            self._set_fields(ticket, item, last, notes)
        ticket.refresh_from_db()
        if item.status in Status.values and ticket.status != item.status:
            case_actions.do_change_status(ticket, actor=self.actor, status=item.status, now=last)
        # Closing it planned a satisfaction survey; nobody is asked about history.
        feedback_actions.do_skip_survey(ticket, reason=csat.IMPORTED, now=self.now)
        return ticket

    def _set_fields(self, ticket: Ticket, item: SourceCase, at: datetime, notes: list[str]) -> None:
        """The case's custom fields (before its final status, which may require them).
        A refused value is reported and the case imported without it."""
        defs = {d.key: d for d in field_selectors.definitions(Target.CASE)}
        values: dict[str, object] = {}
        for key, raw in item.fields:
            d = defs.get(key)
            multi = d is not None and d.kind == FieldKind.MULTISELECT
            values[key] = [v.strip() for v in raw.split(";") if v.strip()] if multi else raw
        for key, raw_value in values.items():
            try:
                with transaction.atomic():
                    field_actions.do_set_field_values(
                        ticket, actor=self.actor, values={key: raw_value}, now=at
                    )
            except DomainError as error:
                notes.append(f"field {key} not kept: {error.message}")

    def _write_comment(
        self,
        ticket: Ticket,
        comment: SourceComment,
        customer: Customer,
        requester_id: str,
        notes: list[str],
    ) -> None:
        body, files = self._body(comment, notes), self._files(comment, notes)
        staff = self.staff.get(comment.author_id)
        if comment.author_id == requester_id or (
            staff is None and self.customers.get(comment.author_id) is not None
        ):
            ticket.refresh_from_db()
            if ticket.status == Status.CLOSED:
                case_actions.do_change_status(
                    ticket, actor=self.actor, status=Status.OPEN, now=comment.created_at
                )
            case_actions.do_add_customer_message(
                ticket,
                customer=customer,
                body=body,
                channel=Channel.EMAIL,
                now=comment.created_at,
                files=files,
            )
        elif staff is not None and comment.public:
            case_actions.do_reply(
                ticket, agent=staff, body=body, now=comment.created_at, files=files
            )
        else:
            author = staff or self.actor
            if staff is None:
                who = comment.author_id
                body = f"(Imported: written by {who}, who is not in the export.)\n\n{body}"
                notes.append(
                    f"comment {comment.id}: author {comment.author_id} is not in the export"
                )
            case_actions.do_add_note(
                ticket, agent=author, body=body, now=comment.created_at, files=files
            )

    @staticmethod
    def _member(team: Team, user: User) -> bool:
        return team.members.filter(pk=user.pk).exists()

    def _body(self, comment: SourceComment, notes: list[str]) -> str:
        body = comment.body.strip() or "(empty message)"
        limit = settings.CAREDESK_MAX_BODY_CHARS
        if len(body) > limit:
            notes.append(f"comment {comment.id}: cut to {limit:,} characters")
            body = body[: limit - len(TRUNCATED)] + TRUNCATED
        return body

    def _files(self, comment: SourceComment, notes: list[str]) -> list[IncomingFile]:
        files: list[IncomingFile] = []
        limit = settings.CAREDESK_MAX_ATTACHMENT_BYTES
        for attachment in comment.attachments:
            name = attachment.filename
            if len(files) >= settings.CAREDESK_MAX_ATTACHMENTS:
                notes.append(f"comment {comment.id}: attachment {name} skipped (too many files)")
                continue
            if attachment.size is not None and attachment.size > limit:
                notes.append(
                    f"comment {comment.id}: attachment {name} skipped (over {limit:,} bytes)"
                )
                continue
            try:
                content = attachment.read()
            except OSError as error:
                notes.append(f"comment {comment.id}: attachment {name} could not be read ({error})")
                continue
            if len(content) > limit:
                notes.append(
                    f"comment {comment.id}: attachment {name} skipped (over {limit:,} bytes)"
                )
                continue
            files.append(IncomingFile(name[:255], content, attachment.content_type[:127]))
        return files


def describe(items: Iterable[Problem]) -> list[str]:
    return [f"{p.what}: {p.message}" for p in items]
