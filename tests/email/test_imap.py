"""IMAP polling against a real Dovecot on loopback, started and stopped by the fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from caredesk.channels.email import imap
from caredesk.channels.email.imap import poll_all
from caredesk.channels.email.models import Mailbox, RawMessage, RawState
from caredesk.tickets.models import Message, Ticket
from tests.conftest import NOW
from tests.email.conftest import free_port, make_mail

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "imap-secret-pass"


@pytest.fixture
def dovecot():
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail("dovecot is missing: run scripts/install-system-deps.sh")
        pytest.skip("dovecot-imapd is not installed (scripts/install-system-deps.sh)")
    root = Path(tempfile.mkdtemp(prefix="caredesk-dovecot-"))
    root.chmod(0o755)
    home = root / "home"
    home.mkdir()
    (home / "desk").mkdir()
    shutil.chown(home / "desk", "nobody", "nogroup")
    port = free_port()
    (root / "passwd").write_text(f"desk:{{PLAIN}}{PASSWORD}::::::\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={home}/%u
}}
"""
    )
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=2) as client:
                client.login("desk", PASSWORD)
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                out = proc.stdout.read().decode() if proc.stdout else ""
                proc.kill()
                pytest.fail(f"dovecot did not start:\n{out}\n{log}")
            time.sleep(0.2)

    class Server:
        pass

    server = Server()
    server.port = port

    def append(raw: bytes, folder: str = "INBOX") -> None:
        with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as client:
            client.login("desk", PASSWORD)
            client.append(folder, raw)

    def count(folder: str) -> int:
        with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as client:
            client.login("desk", PASSWORD)
            if not client.folder_exists(folder):
                return 0
            client.select_folder(folder, readonly=True)
            return len(client.search(["NOT", "DELETED"]))

    server.append, server.count = append, count
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, desk):
    box = Mailbox(
        name="Support",
        address="support@caredesk.localhost",
        host="127.0.0.1",
        port=dovecot.port,
        use_tls=False,
        username="desk",
        move_to="Processed",
    )
    box.password = PASSWORD
    box.save()
    return box


def test_password_is_encrypted_at_rest(mailbox):
    stored = Mailbox.objects.values_list("password_encrypted", flat=True).get()
    assert PASSWORD not in stored and stored.startswith("gAAAA")
    assert Mailbox.objects.get().password == PASSWORD


def test_poll_files_messages_moves_them_and_a_second_poll_adds_nothing(
    dovecot, mailbox, mail_settings
):
    dovecot.append(make_mail(subject="First"))
    dovecot.append(make_mail(sender="bob@small.test", subject="Second"))
    dovecot.append(b"\x00\x01 this is not mail at all")
    [result] = poll_all(now=NOW)
    assert (result.stored, result.errors) == (3, [])
    assert dovecot.count("INBOX") == 0 and dovecot.count("Processed") == 3
    states = sorted(RawMessage.objects.values_list("state", flat=True))
    assert states == ["processed", "processed", "quarantined"]
    assert Ticket.objects.count() == 2
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at == NOW and mailbox.last_error == ""
    # Someone puts the same messages back (or the move failed): nothing new is created.
    for raw in RawMessage.objects.all():
        dovecot.append(bytes(raw.raw))
    [again] = poll_all(now=NOW)
    assert (again.stored, again.already) == (0, 3)
    assert RawMessage.objects.count() == 3 and Message.objects.count() == 2


def test_a_crash_between_fetch_and_commit_loses_and_duplicates_nothing(
    dovecot, mailbox, mail_settings, monkeypatch
):
    for i in range(3):
        dovecot.append(make_mail(subject=f"Message {i}"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("worker killed")

    # Killed before the fetched batch is committed: nothing stored, all still on the server.
    monkeypatch.setattr(imap, "do_store_raw_batch", killed)
    with pytest.raises(KeyboardInterrupt):
        imap.poll(mailbox, now=NOW)
    assert RawMessage.objects.count() == 0
    assert dovecot.count("INBOX") == 3
    monkeypatch.undo()

    # Killed after the commit, before the server was told: stored, and still on the server.
    monkeypatch.setattr(imap, "_done", killed)
    with pytest.raises(KeyboardInterrupt):
        imap.poll(mailbox, now=NOW)
    assert RawMessage.objects.count() == 3 and Ticket.objects.count() == 3
    assert dovecot.count("INBOX") == 3
    monkeypatch.undo()

    # The next poll fetches them again, stores nothing twice, and tells the server.
    [result] = poll_all(now=NOW)
    assert (result.stored, result.already) == (0, 3)
    assert RawMessage.objects.count() == 3 and Ticket.objects.count() == 3
    assert dovecot.count("INBOX") == 0


def test_an_oversized_imap_message_is_fetched_as_headers_only(
    dovecot, mailbox, mail_settings, settings
):
    settings.CAREDESK_EMAIL_MAX_BYTES = 20_000
    dovecot.append(make_mail(attachments=[("big.bin", b"\x01" * 100_000, "application/x-bin")]))
    [result] = poll_all(now=NOW)
    assert result.stored == 1
    raw = RawMessage.objects.get()
    assert raw.truncated and raw.size > 100_000 and len(bytes(raw.raw)) < 5_000
    assert raw.state == RawState.PROCESSED
    assert "over the limit" in Message.objects.get().body


def test_wrong_password_and_unverified_tls_are_reported_not_fatal(dovecot, mailbox, desk):
    mailbox.password = "wrong"
    mailbox.save()
    tls_box = Mailbox(
        name="TLS",
        address="tls@caredesk.localhost",
        host="127.0.0.1",
        port=dovecot.port,
        use_tls=True,
        username="desk",
    )
    tls_box.password = PASSWORD
    tls_box.save()
    dovecot.append(make_mail())
    results = {r.mailbox: r for r in poll_all(now=NOW)}
    assert results["Support"].errors and results["TLS"].errors
    assert "SSL" in results["TLS"].errors[0] or "ssl" in results["TLS"].errors[0].lower()
    assert Mailbox.objects.get(name="Support").last_error
    assert dovecot.count("INBOX") == 1 and RawMessage.objects.count() == 0
