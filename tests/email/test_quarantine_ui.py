"""The admin pages for quarantined mail."""

from __future__ import annotations

from caredesk.channels.email.models import RawState
from tests.email.conftest import ingest, make_mail


def test_only_admins_see_the_quarantine(desk, client, mail_settings):
    assert client.get("/mail/quarantine/").status_code == 302  # to sign-in
    client.force_login(desk.agent)
    assert client.get("/mail/quarantine/").status_code == 404
    client.force_login(desk.manager)
    assert client.get("/mail/quarantine/").status_code == 404


def test_admin_lists_downloads_and_replays(desk, client, mail_settings, monkeypatch):
    row = ingest(b"From: nobody\r\nSubject: <script>alert(1)</script>\r\n\r\nhi")
    assert row.state == RawState.QUARANTINED
    client.force_login(desk.admin)
    page = client.get("/mail/quarantine/")
    assert page.status_code == 200
    assert b"No trustworthy sender" in page.content
    detail = client.get(f"/mail/quarantine/{row.pk}/")
    assert b"<script>alert" not in detail.content and b"&lt;script&gt;" in detail.content
    download = client.get(f"/mail/quarantine/{row.pk}/raw")
    assert download.content == bytes(row.raw)
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    replay = client.post(f"/mail/quarantine/{row.pk}/replay", follow=True)
    assert b"quarantined again" in replay.content
    assert client.get("/mail/quarantine/999999/").status_code == 404
    good = ingest(make_mail())
    again = client.post(f"/mail/quarantine/{good.pk}/replay", follow=True)
    assert b"not quarantined" in again.content


def test_empty_quarantine_says_so(desk, client):
    client.force_login(desk.admin)
    page = client.get("/mail/quarantine/")
    assert b"Nothing in quarantine" in page.content
