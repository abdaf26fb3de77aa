"""Issue 15, finding 6 (email): long subjects, bidi controls, mail with too many parts,
and mail from the desk's own addresses."""

from __future__ import annotations

import logging
import unicodedata

import pytest
from django.core import mail

from caredesk.channels.email import loops
from caredesk.channels.email.checks import own_addresses_check
from caredesk.channels.email.headertext import shorten
from caredesk.channels.email.models import Mailbox, RawState
from caredesk.core.models import OutboundEmail, OutboundState
from caredesk.customers.models import Customer
from caredesk.tickets.models import Message, Ticket
from tests.email.conftest import ingest, make_mail


def _to(address: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=address).order_by("id"))


# --- subjects over 255 characters -----------------------------------------------------


def test_a_subject_over_255_characters_is_shortened_and_kept_whole_in_the_message(
    desk, mail_settings
):
    long_subject = "Refund for order 4711 " + "and the parcel that never came " * 15
    assert len(long_subject) > 400
    row = ingest(make_mail(subject=long_subject))
    assert row.state == RawState.PROCESSED, row.error
    ticket = Ticket.objects.get(pk=row.ticket_id)
    assert len(ticket.subject) <= 255 and ticket.subject.endswith("\u2026")
    assert long_subject.startswith(ticket.subject[:-1].rstrip())
    body = Message.objects.get(pk=row.message_id).body
    assert body.splitlines()[0] == "Subject: " + long_subject.strip()
    assert "parcel 4711 never arrived" in body
    # The customer still gets the acknowledgement, with the short subject.
    assert [m for m in mail.outbox if m.to == ["alice@acme.test"]]


def test_a_short_subject_is_left_alone(desk, mail_settings):
    row = ingest(make_mail(subject="x" * 255))
    assert Ticket.objects.get(pk=row.ticket_id).subject == "x" * 255
    assert not Message.objects.get(pk=row.message_id).body.startswith("Subject:")


def test_shortening_never_splits_a_character_from_its_accent():
    text = "x" + "e\u0301" * 300  # "é" written as e + combining acute accent
    short = shorten(text, 255)
    head = short[:-1]
    assert len(short) <= 255 and short.endswith("\u2026")
    assert text.startswith(head) and not unicodedata.combining(text[len(head)])


def test_shortening_prefers_a_word_boundary_near_the_limit():
    text = "word " * 100
    short = shorten(text, 50)
    assert short == "word " * 9 + "word\u2026"


# --- bidirectional control characters ----------------------------------------------------


@pytest.mark.parametrize(
    "control",
    [
        "\u202e",
        "\u202d",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
    ],
)
def test_bidi_controls_are_stripped_from_subject_and_display_name(desk, mail_settings, control):
    row = ingest(
        make_mail(
            sender=f'"Mallory {control}nimdA" <mallory@evil.test>',
            subject=f"Invoice {control}gnp.exe",
        )
    )
    assert row.state == RawState.PROCESSED, row.error
    ticket = Ticket.objects.get(pk=row.ticket_id)
    assert ticket.subject == "Invoice gnp.exe"
    assert Customer.objects.get(pk=ticket.customer_id).name == "Mallory nimdA"


def test_right_to_left_text_itself_is_kept(desk, mail_settings):
    row = ingest(make_mail(subject="\u05e9\u05dc\u05d5\u05dd \u202eorder 12"))
    assert Ticket.objects.get(pk=row.ticket_id).subject == "\u05e9\u05dc\u05d5\u05dd order 12"


# --- a 1,000-part message ----------------------------------------------------------------


def _many_parts(count: int, **kwargs) -> bytes:
    files = [(f"p{i}.txt", f"part {i}".encode(), "text/plain") for i in range(count)]
    return make_mail(attachments=files, **kwargs)


def test_a_1000_part_message_is_filed_and_the_sender_gets_the_oversize_notice(desk, mail_settings):
    row = ingest(_many_parts(1000))
    assert row.state == RawState.PROCESSED, row.error
    body = Message.objects.get(pk=row.message_id).body
    assert "parcel 4711 never arrived" in body
    assert "more than 500 MIME parts" in body
    notices = [m for m in mail.outbox if m.to == ["alice@acme.test"]]
    assert len(notices) == 1 and "did not reach us" in notices[0].subject
    assert "more than 500 MIME parts" in notices[0].body
    # The files over the attachment count are summed up, not listed one by one.
    assert "more files (more than 10 attachments in one message)" in body
    assert len(body.splitlines()) < 30 and len(notices[0].body.splitlines()) < 40
    assert notices[0].extra_headers["Auto-Submitted"] == "auto-generated"
    sent = _to("alice@acme.test")
    assert [o.kind for o in sent] == [OutboundEmail.Kind.NOTICE]


def test_the_part_notice_obeys_the_loop_rules_and_the_per_sender_cap(desk, mail_settings):
    ingest(
        _many_parts(1000, sender="robot@shop.test", headers={"Auto-Submitted": "auto-generated"})
    )
    assert not _to("robot@shop.test")
    ingest(_many_parts(1000))
    ingest(_many_parts(1000, subject="Another one"))
    states = [o.state for o in _to("alice@acme.test")]
    assert states.count(OutboundState.SUPPRESSED) == 1
    assert len([m for m in mail.outbox if m.to == ["alice@acme.test"]]) == 1


# --- the desk's own addresses --------------------------------------------------------------


@pytest.fixture
def no_extra_own(settings, monkeypatch):
    """CAREDESK_EMAIL_OWN_ADDRESSES unset, in the settings and the environment."""
    if hasattr(settings, "CAREDESK_EMAIL_OWN_ADDRESSES"):
        del settings.CAREDESK_EMAIL_OWN_ADDRESSES
    monkeypatch.delenv("CAREDESK_EMAIL_OWN_ADDRESSES", raising=False)
    return settings


def _assert_not_answered(row, address: str) -> None:
    assert row.state == RawState.QUARANTINED and "own addresses" in row.error
    assert not _to(address)
    assert not mail.outbox


def test_mail_from_the_from_setting_gets_no_acknowledgement(desk, mail_settings, no_extra_own):
    mail_settings.DEFAULT_FROM_EMAIL = "Shop Support <Help@Shop.example>"
    mail_settings.SERVER_EMAIL = mail_settings.DEFAULT_FROM_EMAIL
    row = ingest(make_mail(sender="help@shop.example"))
    _assert_not_answered(row, "help@shop.example")


def test_mail_from_the_server_email_gets_no_acknowledgement(desk, mail_settings, no_extra_own):
    mail_settings.SERVER_EMAIL = "alerts@shop.example"
    _assert_not_answered(ingest(make_mail(sender="alerts@shop.example")), "alerts@shop.example")


def test_mail_from_a_mailbox_address_or_its_login_gets_no_acknowledgement(
    desk, mail_settings, no_extra_own
):
    Mailbox.objects.create(
        name="help",
        address="help@shop.example",
        host="imap.shop.example",
        username="inbox@shop.example",
    )
    for sender in ("help@shop.example", "inbox@shop.example"):
        _assert_not_answered(ingest(make_mail(sender=sender)), sender)


def test_our_own_plus_address_gets_no_acknowledgement_no_ack_loop(
    desk, mail_settings, no_extra_own
):
    """The acknowledgement carries Reply-To support+cd-…@; a forwarding rule that sends
    it back (without Auto-Submitted) must not be answered again."""
    mail_settings.CAREDESK_EMAIL_PLUS_ADDRESSING = True
    first = ingest(make_mail())
    ack = next(m for m in mail.outbox if m.to == ["alice@acme.test"])
    reply_to = ack.reply_to[0]
    assert reply_to.startswith("support+")
    mail.outbox.clear()
    echoed = ingest(make_mail(sender=reply_to, subject=ack.subject, body=ack.body))
    assert echoed.state == RawState.QUARANTINED and "own addresses" in echoed.error
    assert not mail.outbox
    assert OutboundEmail.objects.filter(ticket_id=first.ticket_id).count() == 1


def test_intake_without_any_own_address_warns_once(
    desk, mail_settings, no_extra_own, monkeypatch, caplog
):
    mail_settings.DEFAULT_FROM_EMAIL = "caredesk"
    mail_settings.SERVER_EMAIL = ""
    monkeypatch.setattr(loops, "_warned", False)
    assert [m.id for m in own_addresses_check()] == ["caredesk.email.W001"]
    with caplog.at_level(logging.WARNING, logger="caredesk.channels.email.loops"):
        ingest(make_mail())
        ingest(make_mail(subject="again"))
    warnings = [r for r in caplog.records if "without any own address" in r.getMessage()]
    assert len(warnings) == 1


def test_the_start_up_check_is_quiet_when_the_from_setting_is_an_address(mail_settings):
    assert own_addresses_check() == []
