"""Importing from Zendesk's REST API (a local server in its documented formats)."""

from __future__ import annotations

import pytest

from caredesk.accounts.models import User
from caredesk.core.models import Notification, OutboundEmail
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.imports.http import Client, SourceError
from caredesk.imports.importer import Importer
from caredesk.imports.models import ImportedObject
from caredesk.imports.zendesk import ZendeskReader
from caredesk.tickets.models import Attachment, Message, MessageKind, Ticket
from tests.imports.conftest import PHOTO, sha


def _reader(zendesk, waits=None):
    sleep = waits.append if waits is not None else (lambda s: None)
    client = Client(
        zendesk.url, headers=Client.basic("ari@old-desk.test/token", "t0k"), sleep=sleep
    )
    return ZendeskReader(client)


def _run(zendesk, desk, now, **kw):
    return Importer(_reader(zendesk), actor=desk.admin, now=now, **kw).run()


def _problems(summary):
    return {p.what: p.message for p in summary.problems}


def test_a_zendesk_desk_arrives_with_its_history(zendesk, desk, now):
    waits: list[float] = []
    summary = Importer(_reader(zendesk, waits), actor=desk.admin, now=now).run()

    assert summary.created["cases"] == 3
    assert summary.created["messages"] == 7
    case = Ticket.objects.get(subject="Delivery window missed")
    assert case.status == "resolved" and case.priority == "high"
    assert case.customer.name == "Maria Lopez"
    assert case.customer.organization.name == "Lopez Family Ltd"
    assert case.assignee.email == "alma@old-desk.test" and case.team.name == "Deliveries"
    assert sorted(case.tags.values_list("name", flat=True)) == ["delivery", "vip"]
    assert case.created_at.isoformat() == "2026-10-01T09:00:00+00:00"
    kinds = list(
        Message.objects.filter(ticket=case).order_by("created_at").values_list("kind", flat=True)
    )
    assert kinds[0] == MessageKind.CUSTOMER and MessageKind.NOTE in kinds
    photo = Attachment.objects.get(message__ticket=case)
    assert photo.sha256 == sha(PHOTO) and photo.filename == "door.png"
    assert Ticket.objects.get(subject="Pending with a lost file").status == "waiting_customer"
    # History is not news: nobody was mailed or notified about it.
    assert not OutboundEmail.objects.exists() and not Notification.objects.exists()
    # The 429 on the first users page was waited out as its Retry-After said.
    assert waits == [0.0]
    # Imported staff cannot sign in until an admin sets a password.
    assert not User.objects.get(email="alma@old-desk.test").has_usable_password()


def test_what_cannot_be_mapped_is_reported_record_by_record(zendesk, desk, now):
    summary = _run(zendesk, desk, now)
    problems = _problems(summary)
    assert "requester 999 is not in the export" in problems["case 503"]
    assert "unknown status 'weird'" in problems["ticket 504"]
    assert "no id or no email" in problems["user 12"]
    assert any("author 77 is not in the export" in m for w, m in summary.problems_as_pairs())
    notes = " ".join(m for _, m in summary.problems_as_pairs())
    assert "receipt.pdf could not be read" in notes and "huge.mov skipped" in notes
    lost = Ticket.objects.get(subject="Pending with a lost file")
    assert Message.objects.get(ticket=lost).body == "Here is the receipt."  # the words stay
    ghost = Message.objects.get(body__contains="Note from someone who left.")
    assert ghost.kind == MessageKind.NOTE and "77" in ghost.body


def test_a_second_run_imports_nothing_new(zendesk, desk, now):
    _run(zendesk, desk, now)
    counts = (Ticket.objects.count(), Message.objects.count(), Customer.objects.count())
    again = _run(zendesk, desk, now)
    assert again.created["cases"] == 0 and again.skipped["cases"] == 3
    assert (Ticket.objects.count(), Message.objects.count(), Customer.objects.count()) == counts


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(zendesk, desk, now):
    before = (Ticket.objects.count(), User.objects.count(), ContactIdentity.objects.count())
    summary = _run(zendesk, desk, now, dry_run=True)
    assert summary.created["cases"] == 3 and summary.created["customers"] == 2
    assert summary.created["staff"] == 2 and summary.created["teams"] == 1
    assert "would create" in summary.lines()[0]
    assert (Ticket.objects.count(), User.objects.count(), ContactIdentity.objects.count()) == before
    assert not ImportedObject.objects.exists()


def test_an_interrupted_import_continues_where_it_stopped(zendesk, desk, now):
    zendesk.broken["/api/v2/tickets/505/comments.json"] = (500, b"oops")
    first = _run(zendesk, desk, now)
    assert "505" in " ".join(p.what for p in first.problems)
    assert first.created["cases"] == 2
    del zendesk.broken["/api/v2/tickets/505/comments.json"]
    second = _run(zendesk, desk, now)
    assert second.created["cases"] == 1 and second.skipped["cases"] == 2
    assert Ticket.objects.filter(subject="Pending with a lost file").count() == 1


def test_broken_json_for_one_ticket_does_not_stop_the_rest(zendesk, desk, now):
    zendesk.broken["/api/v2/tickets/502/comments.json"] = (200, b'{"comments": [{"id": 1,')
    summary = _run(zendesk, desk, now)
    assert "broken JSON" in _problems(summary)["ticket 502"]
    assert summary.created["cases"] == 2
    assert not Ticket.objects.filter(subject="Invoice question").exists()


def test_a_broken_listing_stops_with_a_clear_error(zendesk, desk, now):
    zendesk.broken["/api/v2/users.json"] = (200, b"[1, 2")
    with pytest.raises(SourceError, match="broken JSON"):
        _run(zendesk, desk, now)


def test_credentials_never_leave_the_source_host(zendesk):
    client = Client(zendesk.url, headers=Client.basic("a", "b"))
    with pytest.raises(SourceError, match="refusing to follow"):
        client.get_json("http://example.invalid/api/v2/users.json")
    with pytest.raises(SourceError, match="not an http"):
        Client("file:///etc/passwd")
