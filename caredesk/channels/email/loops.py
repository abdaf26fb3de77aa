"""Which inbound mail must never get an automatic reply (the per-sender cap on automatic
mail is the outbox's: ``caredesk.core.outbox.claim_auto_reply``)."""

from __future__ import annotations

from caredesk.channels.email.models import Mailbox
from caredesk.channels.email.parsing import ParsedEmail
from caredesk.core import mailconf

MACHINE_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


def mailbox_addresses() -> list[str]:
    """The polled mailboxes' addresses: ours (``CAREDESK_OWN_ADDRESS_SOURCES``)."""
    return [a.lower() for a in Mailbox.objects.values_list("address", flat=True)]


def own_addresses() -> set[str]:
    return mailconf.own_addresses()


def is_delivery_report(parsed: ParsedEmail) -> bool:
    if parsed.content_type == "multipart/report":
        return True
    local = parsed.from_address.split("@")[0] if parsed.from_address else ""
    if local in MACHINE_LOCALPARTS:
        return True
    raw_from = parsed.from_raw.lower()
    if not parsed.from_address and any(name in raw_from for name in MACHINE_LOCALPARTS):
        return True
    return_path = parsed.headers.get("return-path", "").strip()
    subject = parsed.subject.lower()
    bounce_words = (
        "undeliver",
        "delivery status",
        "failure notice",
        "returned mail",
        "delivery failure",
        "mail delivery failed",
        "non remis",
        "unzustellbar",
    )
    return (
        return_path in ("<>", "")
        and "return-path" in parsed.headers
        and any(word in subject for word in bounce_words)
    )


def machine_reason(parsed: ParsedEmail, own: set[str] | None = None) -> str:
    """Why this message must not be answered automatically, or "" if it may be."""
    headers = parsed.headers
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto[:40]}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    for name in ("x-auto-response-suppress", "x-autoreply", "x-autorespond"):
        if name in headers:
            return f"{name} header"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing-list mail"
    if parsed.content_type == "multipart/report":
        return "delivery report (multipart/report)"
    if headers.get("return-path", "").strip() == "<>":
        return "null sender (Return-Path: <>)"
    if not parsed.from_address:
        return "no usable sender address"
    if parsed.from_address.split("@")[0] in MACHINE_LOCALPARTS:
        return "sent by a mail server (MAILER-DAEMON/postmaster)"
    if parsed.from_address in (own if own is not None else own_addresses()):
        return "sent from one of our own addresses"
    return ""
