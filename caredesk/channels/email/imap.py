"""Polling IMAP mailboxes. A message is flagged or moved only after its raw bytes commit,
so a crash between fetch and commit leaves it on the server for the next poll, and the
idempotency key makes the re-fetch create nothing new."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field
from datetime import datetime

from imapclient import IMAPClient

from caredesk.channels.email import conf
from caredesk.channels.email.actions import do_store_raw_batch
from caredesk.channels.email.intake import RawInput, from_bytes, header_stub
from caredesk.channels.email.models import Mailbox

log = logging.getLogger(__name__)
BATCH = 50


@dataclass
class PollResult:
    mailbox: str
    stored: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


def connect(mailbox: Mailbox, timeout: float = 30) -> IMAPClient:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    client = IMAPClient(
        mailbox.host, port=mailbox.port, ssl=mailbox.use_tls, ssl_context=context, timeout=timeout
    )
    if mailbox.starttls and not mailbox.use_tls:
        client.starttls(context)
    client.login(mailbox.username, mailbox.password)
    return client


def _done(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    """Tell the server these messages are ours now (moved, or flagged as seen)."""
    if not uids:
        return
    if mailbox.move_to:
        if client.has_capability("MOVE"):
            client.move(uids, mailbox.move_to)
        else:
            client.copy(uids, mailbox.move_to)
            client.delete_messages(uids)
            if client.has_capability("UIDPLUS"):
                client.expunge(uids)
            else:
                client.expunge()
    else:
        client.add_flags(uids, [b"\\Seen"])


def poll(mailbox: Mailbox, *, now: datetime, limit: int = 500) -> PollResult:
    result = PollResult(mailbox=mailbox.name)
    max_bytes = conf.max_raw_bytes()
    client = connect(mailbox)
    try:
        client.select_folder(mailbox.folder)
        if mailbox.move_to:
            if not client.folder_exists(mailbox.move_to):
                client.create_folder(mailbox.move_to)
            uids = client.search(["NOT", "DELETED"])
        else:
            uids = client.search(["UNSEEN", "NOT", "DELETED"])
        uids = sorted(uids)[:limit]
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            sizes = client.fetch(batch, ["RFC822.SIZE"])
            fetched: list[tuple[int, RawInput]] = []
            for uid in batch:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                if size > max_bytes:
                    data = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {})
                    raw = header_stub(data.get(b"BODY[HEADER]", b""), size)
                else:
                    data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
                    body = data.get(b"BODY[]")
                    if body is None:
                        result.errors.append(f"uid {uid}: the server returned no body")
                        continue
                    raw = from_bytes(bytes(body), max_bytes=max_bytes)
                fetched.append((uid, raw))
            # Commit first (the fetched batch in one transaction); only then tell the
            # server we have them. A crash in between re-fetches them: the key dedups.
            stored = do_store_raw_batch(
                [raw for _, raw in fetched], channel=f"imap:{mailbox.pk}", mailbox=mailbox, now=now
            )
            result.stored += sum(1 for _, created in stored if created)
            result.already += sum(1 for _, created in stored if not created)
            _done(client, mailbox, [uid for uid, _ in fetched])
    finally:
        try:
            client.logout()
        except Exception:
            log.debug("IMAP logout failed", exc_info=True)
    return result


def poll_all(*, now: datetime) -> list[PollResult]:
    """One poll of every enabled mailbox; a failing mailbox does not stop the others."""
    results = []
    for mailbox in Mailbox.objects.filter(enabled=True).order_by("pk"):
        try:
            result = poll(mailbox, now=now)
            error = "; ".join(result.errors)
        except Exception as exc:
            log.warning("polling %s failed", mailbox.name, exc_info=True)
            result = PollResult(mailbox=mailbox.name, errors=[f"{type(exc).__name__}: {exc}"])
            error = result.errors[0]
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now, last_error=error[:2000])
        results.append(result)
    return results
