"""Two caredesk desks addressed to each other, plus an out-of-office responder: each sends
at most one automatic message and the exchange stops by itself.

Desk A runs in this process (test database); desk B is a second caredesk with its own
database, driven through its command line (`caredesk mail ingest`, `caredesk mail outbox`)."""

from __future__ import annotations

import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail

from tests.conftest import copy_migrated, process_env
from tests.email.conftest import ingest, make_mail

A = "support@caredesk.localhost"
B = "help@b-desk.test"
OOO = "pat@customer.test"


@pytest.fixture(scope="module")
def desk_b(tmp_path_factory, migrated_data_dir):
    root = tmp_path_factory.mktemp("deskb")
    env = process_env(
        copy_migrated(migrated_data_dir, root / "data"),
        DEFAULT_FROM_EMAIL=f"Desk B <{B}>",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(root / "outgoing"),
    )
    return root, env


def _desk_b_receives(desk_b, raw: bytes) -> list[bytes]:
    root, env = desk_b
    outgoing = root / "outgoing"
    before = set(outgoing.glob("*")) if outgoing.exists() else set()
    for args, data in ((["ingest", "--process"], raw), (["outbox"], b"")):
        result = subprocess.run(
            [sys.executable, "-m", "caredesk.cli", "mail", *args],
            env=env,
            input=data,
            capture_output=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
    sent = []
    for path in sorted(set(outgoing.glob("*")) - before) if outgoing.exists() else []:
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                sent.append(chunk)
    return sent


class OutOfOffice:
    """Answers the first mail from each sender (RFC 3834 style, marked auto-replied), but
    does not look at the incoming mail's own headers — a careless responder."""

    def __init__(self) -> None:
        self.answered: set[str] = set()

    def receive(self, raw: bytes) -> list[bytes]:
        msg = message_from_bytes(raw, policy=policy.default)
        sender = str(msg["From"].addresses[0].addr_spec).lower()
        if sender in self.answered:
            return []
        self.answered.add(sender)
        reply = EmailMessage()
        reply["From"] = OOO
        reply["To"] = sender
        reply["Subject"] = f"Out of office: {msg['Subject']}"
        reply["Message-ID"] = make_msgid(domain="customer.test")
        reply["Auto-Submitted"] = "auto-replied"
        reply.set_content("I am away until Monday.")
        return [reply.as_bytes()]


def _is_auto(raw: bytes) -> bool:
    msg = message_from_bytes(raw, policy=policy.default)
    return str(msg.get("Auto-Submitted", "no")).lower() != "no"


def _recipients(raw: bytes) -> list[str]:
    msg = message_from_bytes(raw, policy=policy.default)
    result = []
    for name in ("To", "Cc"):
        if msg[name]:
            result += [a.addr_spec.lower() for a in msg[name].addresses]
    return result


def test_two_desks_and_an_out_of_office_exchange_at_most_one_automatic_mail_each(
    desk, mail_settings, desk_b
):
    ooo = OutOfOffice()
    automatic = {A: 0, B: 0, OOO: 0}
    # A person at B writes from the desk's own address to desk A, copying the customer.
    queue = [make_mail(sender=f"Desk B <{B}>", to=A, cc=OOO, subject="Shared customer")]
    steps = 0
    while queue:
        steps += 1
        assert steps < 40, "mail loop"
        raw = queue.pop(0)
        sender = message_from_bytes(raw, policy=policy.default)["From"].addresses[0]
        sender_address = sender.addr_spec.lower()
        if _is_auto(raw) and sender_address in automatic:
            automatic[sender_address] += 1
        for rcpt in _recipients(raw):
            if rcpt == A:
                before = len(mail.outbox)
                ingest(raw)
                queue += [m.message().as_bytes() for m in mail.outbox[before:]]
            elif rcpt == B:
                queue += _desk_b_receives(desk_b, raw)
            elif rcpt == OOO:
                queue += ooo.receive(raw)
    assert all(n <= 1 for n in automatic.values()), automatic
    assert automatic[A] == 1  # A acknowledged the first (human) message once
    assert automatic[OOO] >= 1
