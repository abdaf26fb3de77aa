"""Which inbound mail must never get an automatic reply (the per-sender cap on automatic
mail is the outbox's: ``caredesk.core.outbox.claim_auto_reply``)."""

from __future__ import annotations

import logging
from collections.abc import Collection

from caredesk.channels.email import conf
from caredesk.channels.email.models import Mailbox
from caredesk.channels.email.parsing import ParsedEmail
from caredesk.core import mailconf

log = logging.getLogger(__name__)

MACHINE_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


def mailbox_addresses() -> list[str]:
    """Ours (``CAREDESK_OWN_ADDRESS_SOURCES``): every configured mailbox's address and its
    login when that is an address, and the addresses caredesk sends from."""
    found = []
    for address, username in Mailbox.objects.values_list("address", "username"):
        found += [a for a in (conf.address_in(address), conf.address_in(username)) if a]
    return found + conf.sender_addresses()


def own_addresses() -> set[str]:
    return mailconf.own_addresses()


def base_address(address: str) -> str:
    """``support+cd-12@example.com`` → ``support@example.com``."""
    return mailconf.base_address(address)


def is_own(address: str, own: Collection[str]) -> bool:
    return mailconf.is_own_address(address, own)


_warned = False


def warn_without_own_addresses(own: set[str]) -> bool:
    """Log once per process when intake runs knowing none of our own addresses: mail
    from the desk itself would then be answered (a mail loop). True if it warned."""
    global _warned
    if any(conf.address_in(a) for a in own) or _warned:
        return False
    _warned = True
    log.warning(
        "Email intake runs without any own address: DEFAULT_FROM_EMAIL names no address, "
        "no mailbox is configured and CAREDESK_EMAIL_OWN_ADDRESSES is empty. Mail sent "
        "from the desk's own address would be answered automatically; set one of them."
    )
    return True


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
    if is_own(parsed.from_address, own if own is not None else own_addresses()):
        return "sent from one of our own addresses"
    return ""
