"""Malformed, hostile and oversized mail: always an outcome with a reason, never a crash."""

from __future__ import annotations

import pytest
from django.core import mail

from caredesk.channels.email import actions
from caredesk.channels.email.actions import do_replay
from caredesk.channels.email.models import RawState
from caredesk.core.errors import PermissionDenied
from caredesk.tickets.models import Message, Ticket
from tests.conftest import NOW
from tests.email.conftest import ingest, make_mail

HEAD = b"From: alice@acme.test\r\nTo: support@caredesk.localhost\r\nSubject: test\r\n"


def test_unknown_and_mislabelled_charsets_decode_with_replacement(desk, mail_settings):
    unknown = HEAD + (
        b"Message-ID: <cs1@t>\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"caf\xc3\xa9 ok\r\n"
    )
    mislabelled = HEAD + (
        b"Message-ID: <cs2@t>\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nna\xefve \xff bytes\r\n"
    )
    bad_word = (
        b"From: =?x-bogus?q?Al=E9?= <alice@acme.test>\r\nTo: a@b.test\r\n"
        b"Subject: =?unknown-8bit?b?w6k=?= and =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <cs3@t>\r\n"
        b"\r\nbody\r\n"
    )
    for raw in (unknown, mislabelled, bad_word):
        row = ingest(raw)
        assert row.state == RawState.PROCESSED, row.error
    bodies = list(Message.objects.order_by("id").values_list("body", flat=True))
    assert bodies[0] == "café ok"
    assert "na" in bodies[1] and "\ufffd" in bodies[1]
    assert "café" in Ticket.objects.order_by("id").last().subject


def test_deep_mime_nesting_is_quarantined_with_the_reason(desk, mail_settings, settings):
    settings.CAREDESK_EMAIL_MAX_MIME_DEPTH = 5
    body = b"hello\r\n"
    for level in range(8):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + body
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    row = ingest(HEAD + b"Message-ID: <deep@t>\r\nMIME-Version: 1.0\r\n" + body)
    assert row.state == RawState.QUARANTINED
    assert "nested deeper than 5" in row.error
    # The next message is processed normally.
    assert ingest(make_mail()).state == RawState.PROCESSED


def test_pathological_nesting_beyond_recursion_is_quarantined(desk, mail_settings):
    body = b"x\r\n"
    for level in range(1500):
        body = b"Content-Type: message/rfc822\r\n\r\n" + body
    row = ingest(HEAD + b"Message-ID: <rec@t>\r\n" + body)
    assert row.state in (RawState.QUARANTINED, RawState.PROCESSED)
    if row.state == RawState.QUARANTINED:
        assert row.error


@pytest.mark.parametrize(
    ("from_header", "reason"),
    [
        (None, "no sender"),
        (b"From: \r\n", "no sender"),
        (b"From: alice@acme.test, mallory@evil.test\r\n", "more than one address"),
        (b"From: alice@acme.test\r\nFrom: mallory@evil.test\r\n", "more than one From"),
        (b"From: <alice@acme.test@evil.test>\r\n", "sender address"),
        (b"From: not an address at all\r\n", "sender"),
    ],
)
def test_untrustworthy_senders_go_to_quarantine(desk, mail_settings, from_header, reason):
    raw = (from_header or b"") + b"To: s@t.test\r\nSubject: hi\r\nMessage-ID: <f@t>\r\n\r\nhi\r\n"
    row = ingest(raw)
    assert row.state == RawState.QUARANTINED
    assert reason in row.error
    assert Ticket.objects.count() == 0


def test_binary_garbage_and_empty_headers_are_quarantined_not_crashing(desk, mail_settings):
    for i, raw in enumerate([b"\x00\xff" * 500, b"\r\n\r\n\r\n", b"Subject: \xff\xfe\r\n\r\n"]):
        row = ingest(raw + f"\n{i}".encode())
        assert row.state == RawState.QUARANTINED, row.state
        assert row.error


def test_an_oversized_message_becomes_a_stub_and_the_sender_is_told(desk, mail_settings, settings):
    settings.CAREDESK_EMAIL_MAX_BYTES = 50_000
    raw = make_mail(attachments=[("big.bin", b"\x00" * 200_000, "application/octet-stream")])
    row = ingest(raw)
    assert row.truncated and row.size == len(raw) and len(bytes(row.raw)) < 5_000
    assert row.state == RawState.PROCESSED
    message = Message.objects.get(pk=row.message_id)
    assert "over the limit" in message.body and message.attachments.count() == 0
    notices = [m for m in mail.outbox if m.to == ["alice@acme.test"]]
    assert len(notices) == 1 and "did not reach us" in notices[0].subject
    assert notices[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_oversized_and_surplus_attachments_are_refused_with_a_notice(desk, mail_settings, settings):
    settings.CAREDESK_MAX_ATTACHMENT_BYTES = 1000
    settings.CAREDESK_MAX_ATTACHMENTS = 2
    files = [("big.bin", b"x" * 5000, "application/octet-stream")] + [
        (f"f{i}.txt", b"small", "text/plain") for i in range(3)
    ]
    row = ingest(make_mail(attachments=files))
    assert row.state == RawState.PROCESSED
    message = Message.objects.get(pk=row.message_id)
    assert message.attachments.count() == 2
    assert "big.bin" in message.body and "f2.txt" in message.body
    assert any("did not reach us" in m.subject for m in mail.outbox)


def test_a_very_long_body_is_cut_with_a_note_not_refused(desk, mail_settings, settings):
    settings.CAREDESK_MAX_BODY_CHARS = 2000
    row = ingest(make_mail(body="word " * 5000))
    assert row.state == RawState.PROCESSED
    assert "cut here" in Message.objects.get(pk=row.message_id).body


def test_an_empty_body_still_files_the_message(desk, mail_settings):
    row = ingest(make_mail(body="", subject=""))
    assert row.state == RawState.PROCESSED
    ticket = Ticket.objects.get(pk=row.ticket_id)
    assert ticket.subject == "(no subject)"


def test_a_crash_while_processing_quarantines_and_replay_files_it_after_the_fix(
    desk, mail_settings, monkeypatch
):
    real = actions._file_wave

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(actions, "_file_wave", broken)
    row = ingest(make_mail(message_id="<crash@t>"))
    assert row.state == RawState.QUARANTINED and "simulated bug" in row.error
    monkeypatch.setattr(actions, "_file_wave", real)
    assert ingest(make_mail()).state == RawState.PROCESSED  # the next one is fine

    with pytest.raises(PermissionDenied):
        do_replay(row.pk, actor=desk.agent, now=NOW)
    assert do_replay(row.pk, actor=desk.admin, now=NOW) == RawState.PROCESSED
    row.refresh_from_db()
    assert row.state == RawState.PROCESSED and row.ticket_id is not None
    assert Ticket.objects.count() == 2
