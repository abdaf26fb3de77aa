"""Batch intake: one commit per batch, yet every message keeps its own outcome."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from caredesk.channels.email import actions
from caredesk.channels.email.actions import do_process_batch, do_store_raw_batch
from caredesk.channels.email.intake import from_bytes
from caredesk.channels.email.models import RawMessage, RawState
from caredesk.core.effects import enqueue_after_commit, grouped_enqueues, suppress_effects
from caredesk.core.models import EmailLink, Event
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets.models import AuditEvent, Ticket
from tests.conftest import NOW
from tests.email.conftest import make_mail


def store(*mails: bytes) -> list[RawMessage]:
    """Commit the raw messages without letting the task backend process them yet."""
    with suppress_effects():
        stored = do_store_raw_batch([from_bytes(m) for m in mails], channel="pipe", now=NOW)
    return [row for row, _ in stored]


def nested_mail(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    for i in range(depth):
        boundary = f"b{i}".encode()
        inner = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + inner
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return b"From: deep@acme.test\r\nSubject: deep\r\nMessage-ID: <deep@x>\r\n" + inner


def test_a_batch_files_every_message_in_one_commit(desk, mail_settings):
    rows = store(*(make_mail(sender=f"c{i}@new.test", subject=f"Case {i}") for i in range(5)))
    states = do_process_batch([r.pk for r in rows], now=NOW)
    assert sorted(states.values()) == [RawState.PROCESSED] * 5
    assert Ticket.objects.filter(subject__startswith="Case ").count() == 5
    assert RawMessage.objects.filter(state=RawState.PROCESSED, attempts=1).count() == 5
    # Processing again is a no-op: the rows are no longer stored.
    assert do_process_batch([r.pk for r in rows], now=NOW) == {}


def test_a_failing_message_is_quarantined_alone_and_its_writes_are_undone(
    desk, mail_settings, monkeypatch
):
    real_open = actions.do_open_tickets

    def open_or_fail(cases, **kwargs):
        opened = real_open(cases, **kwargs)
        if any(case.subject == "Boom" for case in cases):
            raise RuntimeError("disk on fire")  # after the customer and the case were written
        return opened

    monkeypatch.setattr(actions, "do_open_tickets", open_or_fail)
    rows = store(
        make_mail(sender="Nora <nora@new.test>", subject="Boom"),
        nested_mail(60),
        make_mail(sender="Nora <nora@new.test>", subject="Second try"),
        make_mail(sender="omar@new.test", subject="Unrelated"),
    )
    states = do_process_batch([r.pk for r in rows], now=NOW)
    assert [states[r.pk] for r in rows] == [
        RawState.QUARANTINED,
        RawState.QUARANTINED,
        RawState.PROCESSED,
        RawState.PROCESSED,
    ]
    boom, deep, second, _ = (RawMessage.objects.get(pk=r.pk) for r in rows)
    assert "RuntimeError: disk on fire" in boom.error
    assert "nested" in deep.error
    # The failed message left nothing behind; the sender's next message made one customer.
    assert not Ticket.objects.filter(subject="Boom").exists()
    nora = ContactIdentity.objects.get(value="nora@new.test").customer
    assert Customer.objects.filter(name="Nora").count() == 1
    assert second.ticket is not None and second.ticket.customer == nora
    assert AuditEvent.objects.filter(verb="email_quarantined").count() == 2


def test_the_same_message_id_twice_in_one_batch_is_filed_once(desk, mail_settings):
    first = make_mail(message_id="<twice@acme.test>", body="First copy")
    other = make_mail(message_id="<twice@acme.test>", body="Second copy, other bytes")
    rows = store(first, other, first)
    assert len({r.pk for r in rows}) == 2  # the identical bytes were stored once
    states = do_process_batch([r.pk for r in rows], now=NOW)
    assert sorted(states.values()) == [RawState.DUPLICATE, RawState.PROCESSED]
    assert EmailLink.objects.filter(rfc_message_id="<twice@acme.test>").count() == 1


def test_storing_a_batch_again_creates_nothing(desk, mail_settings):
    mails = [make_mail(subject=f"Stored {i}") for i in range(3)]
    with suppress_effects():
        first = do_store_raw_batch([from_bytes(m) for m in mails], channel="pipe", now=NOW)
        again = do_store_raw_batch([from_bytes(m) for m in mails], channel="pipe", now=NOW)
    assert [created for _, created in first] == [True] * 3
    assert [created for _, created in again] == [False] * 3
    assert [r.pk for r, _ in again] == [r.pk for r, _ in first]
    assert RawMessage.objects.count() == 3


def test_stored_batch_is_processed_after_commit(desk, mail_settings):
    stored = do_store_raw_batch(
        [from_bytes(make_mail(subject=f"Now {i}")) for i in range(3)], channel="pipe", now=NOW
    )
    states = set(
        RawMessage.objects.filter(pk__in=[r.pk for r, _ in stored]).values_list("state", flat=True)
    )
    assert states == {RawState.PROCESSED}


def _batch_queries(count: int, prefix: str) -> int:
    rows = store(
        *(make_mail(sender=f"{prefix}{i}@new.test", subject=f"{prefix} {i}") for i in range(count))
    )
    # Counted without the follow-up tasks, which the test backend runs in place.
    with suppress_effects(), CaptureQueriesContext(transaction.get_connection()) as ctx:
        states = do_process_batch([r.pk for r in rows], now=NOW)
    assert list(states.values()) == [RawState.PROCESSED] * count
    lookups = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and '"customers_contactidentity"' in q["sql"]
    ]
    assert len(lookups) == 1  # the senders are looked up once per batch
    return len(ctx)


def test_queries_per_batch_do_not_grow_with_its_size(desk, mail_settings):
    # New senders, new cases: customers, cases, messages, search entries, SLA state,
    # links and participants are each written with one statement for the whole batch.
    # Django caps a SQLite statement at 999 parameters: with 34 columns a case row fits
    # 29 to an INSERT, so "large" stays under that (PostgreSQL has no such cap).
    small = _batch_queries(3, "small")
    large = _batch_queries(25, "large")
    assert large == small
    assert Ticket.objects.filter(subject__startswith="large ").count() == 25


def test_a_reply_in_the_same_batch_joins_the_case_its_parent_opened(desk, mail_settings):
    rows = store(
        make_mail(sender="Nina <nina@new.test>", message_id="<first@nina>", body="First"),
        make_mail(sender="omar@new.test", subject="Unrelated"),
        make_mail(
            sender="Nina <nina@new.test>",
            subject="Re: My parcel never arrived",
            message_id="<second@nina>",
            in_reply_to="<first@nina>",
            body="Second",
        ),
    )
    states = do_process_batch([r.pk for r in rows], now=NOW)
    assert set(states.values()) == {RawState.PROCESSED}
    first, unrelated, second = (RawMessage.objects.get(pk=r.pk) for r in rows)
    assert first.ticket_id == second.ticket_id != unrelated.ticket_id
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ticket.message_count == 2
    assert [m.body for m in ticket.messages.order_by("id")] == ["First", "Second"]


def test_several_messages_for_one_case_in_one_batch_keep_their_order(desk, mail_settings):
    (opening,) = store(make_mail(sender="pia@new.test", message_id="<open@pia>", body="Hi"))
    do_process_batch([opening.pk], now=NOW)
    case = Ticket.objects.get(pk=RawMessage.objects.get(pk=opening.pk).ticket_id)
    replies = [
        make_mail(
            sender="pia@new.test",
            subject="Re: My parcel never arrived",
            in_reply_to="<open@pia>",
            body=f"Follow-up {n}",
        )
        for n in range(3)
    ]
    others = [make_mail(sender=f"x{n}@new.test", subject=f"Other {n}") for n in range(3)]
    rows = store(replies[0], others[0], replies[1], others[1], replies[2], others[2])
    states = do_process_batch([r.pk for r in rows], now=NOW)
    assert set(states.values()) == {RawState.PROCESSED}
    case.refresh_from_db()
    assert case.message_count == 4
    assert [m.body for m in case.messages.order_by("id")] == [
        "Hi",
        "Follow-up 0",
        "Follow-up 1",
        "Follow-up 2",
    ]
    assert Ticket.objects.filter(subject__startswith="Other ").count() == 3


def test_a_first_time_sender_writing_twice_in_one_batch_is_one_customer(desk, mail_settings):
    rows = store(
        make_mail(sender="Quinn <quinn@new.test>", subject="Printer"),
        make_mail(sender="Quinn Q. <QUINN@new.test>", subject="Scanner"),
    )
    do_process_batch([r.pk for r in rows], now=NOW)
    quinn = ContactIdentity.objects.get(value="quinn@new.test").customer
    assert quinn.name == "Quinn"
    assert sorted(Ticket.objects.filter(customer=quinn).values_list("subject", flat=True)) == [
        "Printer",
        "Scanner",
    ]
    assert Event.objects.filter(kind="customer.created").count() == 1


@pytest.fixture
def db_tasks(settings):
    """The production task backend (a database queue) instead of the immediate one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_grouped_enqueues_write_the_tasks_of_committed_work_only(desk, db_tasks):
    from django_tasks_db.models import DBTaskResult

    from caredesk.channels.email import tasks

    with grouped_enqueues(), transaction.atomic():
        enqueue_after_commit(tasks.acknowledge_email_case, 1, "a@acme.test")
        try:
            with transaction.atomic():
                enqueue_after_commit(tasks.acknowledge_email_case, 2, "b@acme.test")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        enqueue_after_commit(tasks.send_oversize_notice, 3)
        # Written inside the transaction (no worker sees them before the commit); the
        # rolled-back savepoint took its task with it.
        assert DBTaskResult.objects.count() == 2
    rows = list(DBTaskResult.objects.ready().order_by("task_path"))
    assert [(r.task_path.rsplit(".", 1)[1], r.args_kwargs["args"]) for r in rows] == [
        ("acknowledge_email_case", [1, "a@acme.test"]),
        ("send_oversize_notice", [3]),
    ]


def test_a_task_takes_along_other_mail_waiting(desk, mail_settings):
    from caredesk.channels.email import tasks

    rows = store(*(make_mail(sender=f"w{i}@new.test", subject=f"Waiting {i}") for i in range(5)))
    # The task of the newest message files the four that arrived before it as well.
    result = tasks.process_raw_batch.call([rows[-1].pk])
    assert set(result) == {str(r.pk) for r in rows}
    assert RawMessage.objects.filter(state=RawState.PROCESSED).count() == 5
    # Their own tasks then find them filed.
    assert tasks.process_raw_batch.call([rows[0].pk]) == {}


def test_a_batch_stops_at_its_byte_budget_but_takes_at_least_one(desk, mail_settings, settings):
    rows = store(*(make_mail(subject=f"Budget {i}", body="x" * 3000) for i in range(3)))
    settings.CAREDESK_EMAIL_BATCH_BYTES = rows[0].size + rows[1].size
    assert list(do_process_batch(now=NOW)) == [rows[0].pk, rows[1].pk]
    settings.CAREDESK_EMAIL_BATCH_BYTES = 1
    assert list(do_process_batch(now=NOW)) == [rows[2].pk]


def test_raw_bytes_are_stored_exactly_whatever_they_hold(desk, mail_settings):
    # Every byte value, NUL and CR included, in an 8bit body: what the MTA handed over is
    # what is kept (on PostgreSQL the bytes travel as a binary parameter).
    every_byte = bytes(range(256)) * 4
    mail = make_mail(subject="All bytes").replace(b"\n\n", b"\n\n" + every_byte, 1)
    assert every_byte in mail
    rows = store(mail, make_mail(subject="Plain"))
    single, _ = actions.do_store_raw(from_bytes(every_byte + mail), channel="pipe", now=NOW)
    for row, sent in [(rows[0], mail), (rows[1], None), (single, every_byte + mail)]:
        kept = bytes(RawMessage.objects.get(pk=row.pk).raw)
        if sent is not None:
            assert kept == sent
        assert from_bytes(kept).sha256 == row.sha256


def test_a_large_batch_is_stored_in_several_statements(desk, mail_settings, monkeypatch):
    monkeypatch.setattr(actions, "RAW_ROWS_PER_INSERT", 2)
    mails = [make_mail(subject=f"Split {i}") for i in range(5)]
    rows = store(*mails)
    assert len({r.pk for r in rows}) == 5 and all(r.pk for r in rows)
    # In the order given, each row holding its own message.
    assert [bytes(RawMessage.objects.get(pk=r.pk).raw) for r in rows] == mails
