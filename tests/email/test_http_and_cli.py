"""The signed HTTP endpoint and the `caredesk mail` commands."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from caredesk.channels.email.inbound import sign
from caredesk.channels.email.models import RawMessage, RawState
from caredesk.tickets.models import Ticket
from tests.conftest import copy_migrated, process_env
from tests.email.conftest import make_mail

SECRET = "s3cret-for-tests"


@pytest.fixture
def signed(settings, mail_settings):
    settings.CAREDESK_INBOUND_SECRET = SECRET

    def headers(body: bytes, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
        stamp = str(int(time.time()) if ts is None else ts)
        return {
            "HTTP_X_CAREDESK_TIMESTAMP": stamp,
            "HTTP_X_CAREDESK_SIGNATURE": sign(secret, stamp, body),
        }

    return headers


def post(client, body: bytes, **headers):
    return client.generic("POST", "/mail/inbound/", body, content_type="message/rfc822", **headers)


def test_a_signed_message_is_stored_and_filed(desk, client, signed):
    body = make_mail()
    response = post(client, body, **signed(body))
    assert response.status_code == 202, response.content
    raw = RawMessage.objects.get(pk=response.json()["id"])
    assert raw.channel == "http" and raw.state == RawState.PROCESSED
    assert Ticket.objects.count() == 1


def test_replays_stale_and_forged_requests_are_refused(desk, client, signed):
    body = make_mail()
    headers = signed(body)
    assert post(client, body, **headers).status_code == 202
    replay = post(client, body, **headers)
    assert replay.status_code == 409 and replay.json()["error"] == "replayed"
    # Re-signed (a provider's retry): accepted but creates nothing new.
    time.sleep(1.01)
    again = post(client, body, **signed(body))
    assert again.status_code == 200 and again.json()["created"] is False
    stale = post(client, body, **signed(body, ts=int(time.time()) - 3600))
    assert stale.status_code == 401 and stale.json()["error"] == "stale"
    forged = post(client, body, **signed(body, secret="guess"))
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
    tampered_headers = signed(body)
    assert post(client, body + b"extra", **tampered_headers).status_code == 401
    assert post(client, body).status_code == 401
    garbage = {"HTTP_X_CAREDESK_TIMESTAMP": "x" * 50, "HTTP_X_CAREDESK_SIGNATURE": "\x00"}
    assert post(client, body, **garbage).status_code == 401
    assert RawMessage.objects.count() == 1 and Ticket.objects.count() == 1


def test_oversized_empty_and_unconfigured_requests(desk, client, signed, settings):
    settings.CAREDESK_EMAIL_MAX_BYTES = 10_000
    big = make_mail(body="x" * 20_000)
    assert post(client, big, **signed(big)).status_code == 413
    assert post(client, b"", **signed(b"")).status_code == 400
    assert client.get("/mail/inbound/").status_code == 405
    settings.CAREDESK_INBOUND_SECRET = ""
    body = make_mail()
    assert post(client, body, **signed(body)).status_code == 503
    assert RawMessage.objects.count() == 0


def test_hostile_bodies_over_http_end_in_quarantine(desk, client, signed):
    for body in (b"\x00" * 3000, b"From: <<<>>>\r\n\r\n" + b"A" * 5000):
        assert post(client, body, **signed(body)).status_code == 202
    assert set(RawMessage.objects.values_list("state", flat=True)) == {RawState.QUARANTINED}


CLI = [sys.executable, "-m", "caredesk.cli", "mail"]


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory, migrated_data_dir):
    data = copy_migrated(migrated_data_dir, tmp_path_factory.mktemp("cli") / "data")
    return process_env(data, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")


def run(args, env, stdin: bytes = b""):
    return subprocess.run([*CLI, *args], env=env, input=stdin, capture_output=True, timeout=120)


def test_cli_ingest_from_stdin_and_files_is_idempotent(cli_env, tmp_path):
    message = make_mail(subject="Piped in")
    first = run(["ingest", "--process"], cli_env, stdin=message)
    assert first.returncode == 0, first.stderr
    assert b"stored as message" in first.stdout
    path = tmp_path / "m.eml"
    path.write_bytes(message)
    again = run(["ingest", str(path), "-"], cli_env, stdin=b"")
    assert b"already stored" in again.stdout
    assert again.returncode == 1  # the empty stdin is reported
    hostile = tmp_path / "hostile.eml"
    hostile.write_bytes(b"\xff\xfe\x00" * 1000)
    third = run(["ingest", "--process", str(hostile)], cli_env)
    assert third.returncode == 0
    missing = run(["ingest", str(tmp_path / "nope.eml")], cli_env)
    assert missing.returncode == 66 and b"cannot read" in missing.stderr
    outbox = run(["outbox"], cli_env)
    assert outbox.returncode == 0 and b"outbox" in outbox.stdout


def test_cli_ingest_exits_75_when_the_message_cannot_be_stored(cli_env, tmp_path):
    env = {**cli_env, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    result = run(["ingest"], env, stdin=make_mail())
    assert result.returncode == 75, result.stderr
    assert b"could not store" in result.stderr


def test_cli_replay_and_poll_without_mailboxes(cli_env):
    result = run(["replay", "999"], cli_env)
    assert result.returncode == 2 and b"admin" in result.stderr
    poll = run(["poll"], cli_env)
    assert poll.returncode == 1 and b"no enabled mailbox" in poll.stderr
