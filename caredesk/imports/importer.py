"""Bringing a source's desk into caredesk through caredesk's own actions.

Order: teams, organizations, people (staff and customers), then the cases, a batch at a
time (``BATCH``): each batch is written in one transaction by
:func:`caredesk.tickets.actions.do_import_cases` with every message, note, attachment,
tag, custom field, the assignment and the final status, at the source's own times — or
not at all; a batch that fails is written again case by case, so a broken record is
reported alone and never leaves half a case (ADR 0037). Existing caredesk rows are
reused (a customer by email address, a team or organization by name), and
:class:`~caredesk.imports.models.ImportedObject` remembers every source id, so a re-run
continues and never doubles anything.

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
from django.db import DatabaseError, transaction

from caredesk.accounts import actions as account_actions
from caredesk.accounts.models import STAFF_ROLES, Team, User
from caredesk.core.effects import suppress_effects
from caredesk.core.errors import DomainError
from caredesk.customers import actions as customer_actions
from caredesk.customers.models import ContactIdentity, Customer, Organization
from caredesk.customfields import actions as field_actions
from caredesk.customfields import selectors as field_selectors
from caredesk.customfields.models import FieldDefinition, Target
from caredesk.customfields.models import Kind as FieldKind
from caredesk.customfields.validation import Value
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
from caredesk.tickets.actions import ImportedCase, ImportedMessage
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.imported import derive
from caredesk.tickets.models import MessageKind, Status

Kind = ImportedObject.Kind
# Cases written per transaction (ADR 0037): large enough that the fixed statements of a
# batch cost little per case, small enough that a retried batch stays quick.
BATCH = 200
# What refuses a case (its batch is then retried case by case).
IMPORT_ERRORS = (DomainError, ValueError, ValidationError, DatabaseError)
TRUNCATED = "\n\n[caredesk: the rest of this message was longer than the limit and was cut]"


@dataclass(frozen=True)
class Prepared:
    """A source case ready to write: the case, the notes to report once it is written,
    its custom field values, and the team its assignee joins first (if any)."""

    source: SourceCase
    case: ImportedCase
    notes: list[str]
    fields: dict[str, tuple[FieldDefinition, Value]]
    join: tuple[Team, User, datetime] | None


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
        batch_size: int = BATCH,
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
        self.batch_size = max(1, batch_size)
        self._members: dict[int, set[int]] = {}  # team id -> member ids (and joining)
        self._field_defs: list[FieldDefinition] | None = None
        self._required: bool | None = None  # are any case fields required on a status?

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
            customers: list[SourcePerson] = []
            for person in self.reader.people():
                if isinstance(person, SourcePerson) and person.role == "customer":
                    customers.append(person)  # written a batch at a time
                    if len(customers) >= self.batch_size:
                        self._customers(customers)
                        customers = []
                else:
                    self._each(person, self._person)
            if customers:
                self._customers(customers)
            self._cases(started)
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

    def _customers(self, items: list[SourcePerson]) -> None:
        """Customers a batch at a time: those whose address caredesk knows are reused,
        the others created in one transaction (:func:`do_create_customers`); if that
        fails, one by one, so only the bad record is reported."""
        if self.dry_run:
            for item in items:
                self._customer(item)
            return
        emails = [item.email.strip().lower() for item in items]
        known = {
            i.value: i.customer
            for i in ContactIdentity.objects.filter(
                kind=ContactIdentity.Kind.EMAIL, value__in=emails
            ).select_related("customer")
        }
        new: dict[str, SourcePerson] = {}
        later: list[SourcePerson] = []  # a second record with an address of this batch
        for item, email in zip(items, emails, strict=True):
            if email in known:
                self.customers[item.id] = known[email]
                self.summary.skipped["customers"] += 1
            elif email in new:
                later.append(item)
            else:
                new[email] = item
        if new:
            batch = list(new.values())
            try:
                with transaction.atomic():
                    created = customer_actions.do_create_customers(
                        [
                            customer_actions.NewCustomer(
                                item.name,
                                [email],
                                self.organizations.get(item.organization_id or ""),
                            )
                            for email, item in new.items()
                        ],
                        actor=self.actor,
                        now=self.now,
                    )
                    ImportedObject.objects.bulk_create(
                        ImportedObject(
                            source=self.reader.name,
                            kind=Kind.CUSTOMER,
                            source_id=item.id,
                            target_id=customer.pk,
                        )
                        for item, customer in zip(batch, created, strict=True)
                    )
            except DomainError:
                for item in batch:
                    self._customer(item)
            else:
                for item, customer in zip(batch, created, strict=True):
                    self.customers[item.id] = customer
                self.summary.created["customers"] += len(batch)
        for item in later:
            self._customer(item)

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

    def _cases(self, started: float) -> None:
        """Read the cases and write them a batch at a time (:meth:`_flush`)."""
        pending: list[SourceCase] = []
        done = 0
        for case in self.reader.cases():
            done += 1
            if isinstance(case, Problem):
                self.summary.problems.append(case)
            elif self.dry_run:
                self._dry_case(case)
            else:
                pending.append(case)
            if len(pending) >= self.batch_size:
                self._flush(pending)
                pending = []
            if self.dry_run or not pending:
                self._report(done, started)
        if pending:
            self._flush(pending)
            self._report(done, started)

    def _dry_case(self, item: SourceCase) -> None:
        if self._known(Kind.CASE, item.id) is not None:
            self.summary.skipped["cases"] += 1
        elif item.requester_id not in self.customers:
            self._problem(
                f"case {item.id}", f"its requester {item.requester_id} is not in the export"
            )
        else:
            self.summary.created["cases"] += 1
            self.summary.created["messages"] += len(item.comments)

    def _flush(self, items: list[SourceCase]) -> None:
        """Write a batch of cases in one transaction; if it fails, each case again in its
        own, so only the bad one is reported and the others are imported."""
        known = set(
            ImportedObject.objects.filter(
                source=self.reader.name, kind=Kind.CASE, source_id__in=[i.id for i in items]
            ).values_list("source_id", flat=True)
        )
        batch: list[Prepared] = []
        for item in items:
            if item.id in known:
                self.summary.skipped["cases"] += 1
                continue
            known.add(item.id)  # a duplicate id later in the export is "already there"
            prepared = self._prepare(item)
            if prepared is not None:
                batch.append(prepared)
        if not batch:
            return
        try:
            self._write(batch)
        except IMPORT_ERRORS:
            for one in batch:
                try:
                    self._write([one], alone=True)
                except IMPORT_ERRORS as error:
                    message = error.message if isinstance(error, DomainError) else str(error)
                    self._problem(f"case {one.source.id}", f"not imported: {message}")
                    continue
                self._count(one)
            self._members.clear()  # read the teams again: some joins were rolled back
            return
        for one in batch:
            self._count(one)

    def _count(self, one: Prepared) -> None:
        what = f"case {one.source.id}"
        self.summary.problems += [Problem(what, note) for note in one.notes]
        self.summary.created["cases"] += 1
        self.summary.created["messages"] += len(one.source.comments)

    def _write(self, batch: list[Prepared], *, alone: bool = False) -> None:
        """``alone``: a case of a failed batch written again by itself; it makes sure its
        assignee is in its team (the case of the batch that brought them in may be the
        one that failed)."""
        with transaction.atomic():
            for one in batch:
                team, assignee = one.case.team, one.case.assignee
                if one.join is not None:
                    self._join(*one.join)
                elif alone and team is not None and assignee is not None:
                    self._join(team, assignee, one.case.created_at)
            tickets = case_actions.do_import_cases(
                [one.case for one in batch], actor=self.actor, now=self.now
            )
            field_actions.do_import_field_values(
                [(t, one.fields) for t, one in zip(tickets, batch, strict=True) if one.fields]
            )
            ImportedObject.objects.bulk_create(
                ImportedObject(
                    source=self.reader.name, kind=Kind.CASE, source_id=one.source.id, target_id=t.pk
                )
                for t, one in zip(tickets, batch, strict=True)
            )

    def _prepare(self, item: SourceCase) -> Prepared | None:
        """The case to write, with the notes to report once it is written; or None (the
        problem is reported). Reads the attachments; writes nothing."""
        what = f"case {item.id}"
        if item.requester_id not in self.customers:
            self._problem(what, f"its requester {item.requester_id} is not in the export")
            return None
        customer = self.customers[item.requester_id]
        if customer is None:
            self._problem(what, f"its requester {item.requester_id} could not be imported")
            return None
        if not item.comments:
            self._problem(what, "not imported: it has no messages")
            return None
        notes: list[str] = []
        comments = sorted(item.comments, key=lambda c: c.created_at)
        first = comments[0]
        messages = [
            ImportedMessage(
                MessageKind.CUSTOMER,
                self._body(first, notes),
                item.created_at,
                author_customer=customer,
                files=self._files(first, notes),
            )
        ]
        messages += [self._message(c, customer, item.requester_id, notes) for c in comments[1:]]
        team = self.teams.get(item.team_id or "")
        assignee = self.staff.get(item.assignee_id or "")
        join = None
        if team is not None and assignee is not None and not self._member(team, assignee):
            # The source assigned the case within the team, so the agent worked in it.
            join = (team, assignee, messages[-1].at if len(messages) > 1 else item.created_at)
            notes.append(f"{assignee.display_name} joined {team.name} (assigned a case there)")
            self._members[team.pk].add(assignee.pk)  # the next cases need not join again
        try:
            tags = case_actions.normalize_tags(item.tags)
        except DomainError as error:
            notes.append(f"tags not kept: {error.message}")
            tags = []
        fields: dict[str, tuple[FieldDefinition, Value]] = {}
        if item.fields:
            fields = self._fields(item, notes)
        case = ImportedCase(
            source=self.reader.name,
            source_id=item.id,
            customer=customer,
            subject=item.subject[:255] or "(no subject)",
            created_at=item.created_at,
            messages=messages,
            priority=item.priority,
            status=item.status if item.status in Status.values else "",
            team=team,
            assignee=assignee,
            tags=tags,
            fields=field_actions.import_as_json(fields),
        )
        if self._required is None:
            self._required = bool(field_selectors.required_case_definitions())
        if self._required:
            status = derive(case).status
            try:
                field_actions.check_import_required(fields, status, team.pk if team else None)
            except DomainError as error:
                self._problem(what, f"not imported: {error.message}")
                return None
        return Prepared(item, case, notes, fields, join)

    def _fields(
        self, item: SourceCase, notes: list[str]
    ) -> dict[str, tuple[FieldDefinition, Value]]:
        """The case's custom field values that caredesk accepts; each refused one is
        reported and the case imported without it."""
        if self._field_defs is None:
            self._field_defs = field_actions.settable_definitions(self.actor, Target.CASE)
        defs = {d.key: d for d in self._field_defs}
        values: dict[str, object] = {}
        for key, raw in item.fields:
            d = defs.get(key)
            multi = d is not None and d.kind == FieldKind.MULTISELECT
            values[key] = [v.strip() for v in raw.split(";") if v.strip()] if multi else raw
        kept, refused = field_actions.check_import_values(self._field_defs, values)
        notes += [f"field {key} not kept: {message}" for key, message in refused]
        return kept

    def _message(
        self, comment: SourceComment, customer: Customer, requester_id: str, notes: list[str]
    ) -> ImportedMessage:
        body, files = self._body(comment, notes), self._files(comment, notes)
        at = comment.created_at
        staff = self.staff.get(comment.author_id)
        if comment.author_id == requester_id or (
            staff is None and self.customers.get(comment.author_id) is not None
        ):
            return ImportedMessage(
                MessageKind.CUSTOMER, body, at, author_customer=customer, files=files
            )
        if staff is not None and comment.public:
            return ImportedMessage(MessageKind.REPLY, body, at, author_user=staff, files=files)
        if staff is None:
            who = comment.author_id
            body = f"(Imported: written by {who}, who is not in the export.)\n\n{body}"
            notes.append(f"comment {comment.id}: author {comment.author_id} is not in the export")
        return ImportedMessage(
            MessageKind.NOTE, body, at, author_user=staff or self.actor, files=files
        )

    def _member(self, team: Team, user: User) -> bool:
        if team.pk not in self._members:
            self._members[team.pk] = set(team.members.values_list("pk", flat=True))
        return user.pk in self._members[team.pk]

    def _join(self, team: Team, user: User, at: datetime) -> None:
        """Add ``user`` to ``team`` (read again: a rolled-back batch may have added them)."""
        members = set(team.members.values_list("pk", flat=True))
        if user.pk not in members:
            account_actions.do_update_team(
                team, actor=self.actor, now=at, member_ids=[*sorted(members), user.pk]
            )

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
