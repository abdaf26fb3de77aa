"""The batched import path (ADR 0037): cases written a batch at a time by one action, a
failed batch retried case by case, re-runs that import nothing, open cases with their
SLA deadlines and search entries, and a statement count that does not grow with the batch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.core.models import Event, Notification, OutboundEmail
from caredesk.imports.importer import Importer
from caredesk.imports.models import ImportedObject
from caredesk.imports.source import (
    Problem,
    SourceCase,
    SourceComment,
    SourcePerson,
    SourceTeam,
)
from caredesk.sla.models import BusinessCalendar, SlaPolicy
from caredesk.tickets.models import AuditEvent, Message, MessageKind, SearchEntry, Ticket
from caredesk.tickets.search import search_tickets


@dataclass
class FakeReader:
    """A source in the shape every reader yields: one team, one agent, two customers,
    and the cases given."""

    cases_: list[SourceCase | Problem] = field(default_factory=list)
    name: str = "fake:desk"

    def teams(self) -> Iterator[SourceTeam | Problem]:
        yield SourceTeam("t1", "Returns")

    def organizations(self) -> Iterator[Problem]:
        yield from ()

    def people(self) -> Iterator[SourcePerson | Problem]:
        yield SourcePerson("a1", "Rita Returns", "rita@old.test", "agent")
        yield SourcePerson("c1", "Cleo Customer", "cleo@example.test", "customer")
        yield SourcePerson("c2", "Carl Customer", "carl@example.test", "customer")

    def cases(self) -> Iterator[SourceCase | Problem]:
        yield from self.cases_

    def case_count(self) -> int | None:
        return len(self.cases_)


def source_case(n: int, now, *, status="resolved", priority="normal", **kw) -> SourceCase:
    at = now - timedelta(days=30) + timedelta(hours=n)
    params = dict(
        id=f"S{n}",
        subject=f"Parcel {n} never came",
        status=status,
        priority=priority,
        requester_id="c1" if n % 2 else "c2",
        created_at=at,
        assignee_id="a1",
        team_id="t1",
        tags=("parcel",),
        comments=(
            SourceComment(f"m{n}a", "c1" if n % 2 else "c2", f"Where is parcel {n}?", True, at),
            SourceComment(f"m{n}b", "a1", "It is on its way.", True, at + timedelta(hours=1)),
            SourceComment(
                f"m{n}c", "a1", "Checked with the courier.", False, at + timedelta(hours=2)
            ),
        ),
    )
    params.update(kw)
    return SourceCase(**params)


def run(reader, desk, now, **kw):
    return Importer(reader, actor=desk.admin, now=now, **kw).run()


def test_a_batch_with_one_bad_record_imports_the_others_and_names_it(desk, now):
    cases = [source_case(n, now) for n in range(7)]
    cases[3] = source_case(3, now, priority="whenever")  # the reader let it through
    summary = run(FakeReader(cases), desk, now, batch_size=5)

    assert summary.created["cases"] == 6 and summary.created["messages"] == 18
    problems = {p.what: p.message for p in summary.problems}
    assert problems["case S3"] == "not imported: Unknown priority 'whenever'."
    # Nothing of the bad case was written; the rest of its batch and the next batch were.
    assert not Ticket.objects.filter(subject="Parcel 3 never came").exists()
    assert not ImportedObject.objects.filter(source_id="S3").exists()
    assert Ticket.objects.count() == 6 and Message.objects.count() == 18
    # The agent joined the team once, reported once, although a batch was rolled back.
    joined = [m for w, m in summary.problems_as_pairs() if "joined Returns" in m]
    assert joined == ["Rita Returns joined Returns (assigned a case there)"]
    assert set(
        desk.admin.__class__.objects.get(email="rita@old.test").teams.values_list("name", flat=True)
    ) == {"Returns"}


def test_the_batch_path_writes_what_the_actions_would(desk, now):
    summary = run(FakeReader([source_case(1, now)]), desk, now)
    assert summary.created["cases"] == 1
    case = Ticket.objects.get()
    created = now - timedelta(days=30) + timedelta(hours=1)
    assert (case.status, case.team.name, case.assignee.email) == (
        "resolved",
        "Returns",
        "rita@old.test",
    )
    assert case.created_at == created
    assert case.first_response_at == created + timedelta(hours=1)
    assert case.resolved_at == case.updated_at == created + timedelta(hours=2)
    assert case.message_count == 3 and case.original_request == "Where is parcel 1?"
    assert list(case.tags.values_list("name", flat=True)) == ["parcel"]
    messages = list(Message.objects.filter(ticket=case).order_by("created_at"))
    assert [(m.kind, m.is_public) for m in messages] == [
        (MessageKind.CUSTOMER, True),
        (MessageKind.REPLY, True),
        (MessageKind.NOTE, False),
    ]
    assert messages[0].author_customer.name == "Cleo Customer"
    assert messages[1].author_user.email == "rita@old.test"
    # One audit event: the import, naming its source — not a made-up history.
    (event,) = AuditEvent.objects.filter(ticket=case)
    assert event.verb == "imported" and event.created_at == now
    assert event.new_value["source"] == "fake:desk" and event.new_value["source_id"] == "S1"
    assert list(Event.objects.filter(ticket_id=case.pk).values_list("kind", flat=True)) == [
        "case.imported"
    ]
    # Search finds the subject and the messages; the customer's search not the note.
    entries = SearchEntry.objects.filter(ticket=case)
    assert sorted((e.message_id is None, e.public) for e in entries) == [
        (False, False),
        (False, True),
        (False, True),
        (True, True),
    ]
    assert not OutboundEmail.objects.exists() and not Notification.objects.exists()


def test_an_open_imported_case_has_its_sla_deadlines_and_is_searchable(desk, now):
    cal = BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)
    SlaPolicy.objects.create(
        name="Standard", calendar=cal, first_response_minutes=60, resolution_minutes=60 * 24 * 60
    )
    unanswered = source_case(
        1,
        now,
        status="open",
        subject="Wardrobe door squeaks",
        comments=(SourceComment("w1", "c1", "The wardrobe door squeaks.", True, now),),
        created_at=now - timedelta(minutes=10),
    )
    done = source_case(2, now)
    run(FakeReader([unanswered, done]), desk, now)

    case = Ticket.objects.get(subject="Wardrobe door squeaks")
    assert case.status == "open" and case.sla_policy is not None
    assert case.first_response_due_at == case.created_at + timedelta(minutes=60)
    assert case.resolution_due_at == case.created_at + timedelta(days=60)
    assert case.next_deadline_at == case.first_response_due_at
    closed = Ticket.objects.get(subject="Parcel 2 never came")
    assert closed.next_deadline_at is None and closed.first_response_due_at is None
    found = search_tickets(desk.admin, "wardrobe")
    assert [t.pk for t in found.tickets] == [case.pk]
    assert [t.pk for t in search_tickets(desk.admin, "courier").tickets] == [closed.pk]


def test_a_re_run_imports_nothing_and_a_resumed_run_continues(desk, now):
    cases = [source_case(n, now) for n in range(6)]
    first = run(FakeReader(cases[:4]), desk, now, batch_size=3)
    assert first.created["cases"] == 4
    again = run(FakeReader(cases), desk, now, batch_size=3)
    assert again.created["cases"] == 2 and again.skipped["cases"] == 4
    assert again.skipped["customers"] == 2 and again.created.get("customers", 0) == 0
    third = run(FakeReader(cases), desk, now, batch_size=3)
    assert third.created.get("cases", 0) == 0 and third.skipped["cases"] == 6
    assert Ticket.objects.count() == 6 and AuditEvent.objects.filter(verb="imported").count() == 6


def test_a_duplicate_id_in_the_export_is_imported_once(desk, now):
    summary = run(FakeReader([source_case(1, now), source_case(1, now)]), desk, now)
    assert summary.created["cases"] == 1 and summary.skipped["cases"] == 1
    assert Ticket.objects.count() == 1


def test_a_hostile_record_is_reported_and_the_rest_goes_in(desk, now):
    huge = "x" * 300_000
    cases = [
        source_case(
            1,
            now,
            subject="\x00\x07" + huge,
            comments=(SourceComment("h1", "c1", "\x00 control\x1b[31m chars " + huge, True, now),),
        ),
        source_case(2, now, comments=()),  # no messages at all
        source_case(3, now, status="merged"),
        source_case(4, now, assignee_id="ghost"),  # unknown assignee: imported unassigned
        source_case(5, now),
    ]
    summary = run(FakeReader(cases), desk, now, batch_size=10)
    problems = {p.what: p.message for p in summary.problems}
    assert problems["case S2"] == "not imported: it has no messages"
    assert problems["case S3"].startswith("not imported: Merge the case")
    hostile = Ticket.objects.get(subject__startswith="x")
    assert len(hostile.subject) <= 255 and "\x00" not in hostile.original_request
    assert hostile.original_request.endswith("was cut]")
    assert Ticket.objects.get(subject="Parcel 4 never came").assignee is None
    assert summary.created["cases"] == 3


def _statements(desk, now, n: int) -> int:
    reader = FakeReader([source_case(i, now, id=f"N{n}-{i}") for i in range(n)], name=f"q{n}")
    with CaptureQueriesContext(connection) as queries:
        summary = run(reader, desk, now, batch_size=50)
    assert summary.created["cases"] == n
    return len(queries.captured_queries)


@pytest.mark.parametrize("small, large", [(2, 10)])
def test_the_statements_of_a_batch_do_not_grow_with_its_cases(desk, now, small, large):
    _statements(desk, now, 1)  # the team, agent and customers exist from here on
    assert _statements(desk, now, large) == _statements(desk, now, small)


def test_custom_fields_are_kept_refused_values_reported_and_required_ones_enforced(desk, now):
    from caredesk.customfields import selectors
    from caredesk.customfields.models import FieldDefinition, Target

    def define(key, kind, **kw):
        return FieldDefinition.objects.create(
            key=key,
            label=key.title(),
            kind=kind,
            target=Target.CASE,
            created_at=now,
            updated_at=now,
            **kw,
        )

    define("order", "text")
    define("parts", "multiselect", options=["leg", "door", "hinge"])
    define("weight", "number")
    define("reason", "select", options=["damage", "late"], required_on=["resolved"])
    cases = [
        source_case(
            1, now, fields=(("order", "A-17"), ("parts", "leg; hinge"), ("reason", "late"))
        ),
        source_case(2, now, fields=(("weight", "heavy"), ("reason", "damage"))),
        source_case(3, now, fields=(("order", "A-19"),)),  # resolved without a reason
        source_case(4, now, status="open", fields=(("order", "A-20"),)),  # open: not needed
    ]
    summary = run(FakeReader(cases), desk, now)
    problems = {p.what: p.message for p in summary.problems}
    assert problems["case S3"].startswith(
        "not imported: Fill in Reason before the case is resolved"
    )
    assert problems["case S2"].startswith("field weight not kept:")
    assert summary.created["cases"] == 3
    defs = selectors.definitions(Target.CASE)
    first = Ticket.objects.get(subject="Parcel 1 never came")
    values = selectors.values_of(defs, [first.pk])[first.pk]
    assert values["order"] == "A-17" and sorted(values["parts"]) == ["hinge", "leg"]
    assert values["reason"] == "late"
    second = Ticket.objects.get(subject="Parcel 2 never came")
    assert selectors.values_of(defs, [second.pk])[second.pk].get("weight") is None
    event = AuditEvent.objects.get(ticket=first, verb="imported")
    assert event.new_value["fields"]["order"] == "A-17"


@dataclass
class CrowdReader(FakeReader):
    """Customers with a broken address and an address given twice, among good ones."""

    def people(self) -> Iterator[SourcePerson | Problem]:
        yield from super().people()
        yield SourcePerson("c3", "Broken Address", "not an address", "customer")
        yield SourcePerson("c4", "Dora Double", "dora@example.test", "customer")
        yield SourcePerson("c5", "Dora Again", "DORA@example.test", "customer")
        yield SourcePerson("c6", "Eve Fine", "eve@example.test", "customer")


def test_a_bad_customer_in_a_batch_is_reported_and_the_others_are_created(desk, now):
    cases = [source_case(1, now), source_case(2, now, requester_id="c5")]
    summary = run(CrowdReader(cases), desk, now, batch_size=10)
    problems = {p.what: p.message for p in summary.problems}
    assert "not a valid email address" in problems["user c3"]
    assert summary.created["customers"] == 4  # c1, c2, c4, c6
    assert summary.skipped["customers"] == 1  # c5: Dora's address again
    dora = Ticket.objects.get(subject="Parcel 2 never came").customer
    assert dora.name == "Dora Double"
    assert summary.created["cases"] == 2
