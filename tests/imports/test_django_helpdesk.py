"""Importing from django-helpdesk's own database: a SQLite file and the real MariaDB on
127.0.0.1:3306, both holding django-helpdesk's tables (the columns caredesk reads, as
django-helpdesk's models define them) and its MEDIA_ROOT with the attachments."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest

from caredesk.cli import main
from caredesk.imports import database
from caredesk.imports.djangohelpdesk import DjangoHelpdeskReader
from caredesk.imports.http import SourceError
from caredesk.imports.importer import Importer
from caredesk.tickets.models import Attachment, Message, MessageKind, Ticket
from tests.imports.conftest import sha

PHOTO = b"\xff\xd8\xff\xe0 a photo of a sofa leg " * 200
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def schema(timestamp: str) -> list[str]:
    return [
        "CREATE TABLE auth_user (id INTEGER PRIMARY KEY, username VARCHAR(150), "
        "email VARCHAR(254), first_name VARCHAR(150), last_name VARCHAR(150), "
        "is_staff BOOLEAN, is_superuser BOOLEAN)",
        "CREATE TABLE helpdesk_queue (id INTEGER PRIMARY KEY, title VARCHAR(100), "
        "slug VARCHAR(50))",
        "CREATE TABLE helpdesk_ticket (id INTEGER PRIMARY KEY, title VARCHAR(200), "
        f"queue_id INTEGER, created {timestamp}, submitter_email VARCHAR(254), "
        "assigned_to_id INTEGER, status INTEGER, description TEXT, priority INTEGER, "
        "merged_to_id INTEGER)",
        "CREATE TABLE helpdesk_followup (id INTEGER PRIMARY KEY, ticket_id INTEGER, "
        f"date {timestamp}, title VARCHAR(200), comment TEXT, public BOOLEAN, user_id INTEGER)",
        "CREATE TABLE helpdesk_followupattachment (id INTEGER PRIMARY KEY, "
        "followup_id INTEGER, file VARCHAR(1000), filename VARCHAR(1000), "
        "mime_type VARCHAR(255), size INTEGER)",
    ]


USERS = [
    (1, "alma", "alma@old-desk.test", "Alma", "Agent", True, False),
    (2, "root", "root@old-desk.test", "", "", True, True),
    (3, "nora", "nora@example.test", "Nora", "Quist", False, False),
    (4, "ghost", "", "", "", True, False),  # staff without an address: reported
]
QUEUES = [(1, "Support", "support"), (2, "Billing", "billing")]
DESCRIPTION = "One leg of the sofa snapped."
TICKETS = [
    (
        101,
        "Sofa leg broken",
        1,
        "2026-09-01 08:00:00",
        "Nora@Example.test",
        1,
        3,
        DESCRIPTION,
        2,
        None,
    ),
    (102, "Same sofa", 1, "2026-09-01 08:05:00", "nora@example.test", None, 4, "dup", 3, 101),
    (103, "Nobody wrote this", 2, "2026-09-02 08:00:00", "", None, 1, "Who?", 3, None),
    (
        104,
        "<script>alert(1)</script>",
        2,
        "2026-09-03 08:00:00",
        "tom@example.test",
        None,
        5,
        "<img src=x onerror=alert(1)> invoice twice",
        5,
        None,
    ),
    (105, "Odd status", 2, "2026-09-04 08:00:00", "tom@example.test", None, 9, "?", 3, None),
]
FOLLOW_UPS = [
    # django-helpdesk's own copy of the description, left out:
    (1, 101, "2026-09-01 08:00:00", "Ticket Opened", DESCRIPTION, True, None),
    (2, 101, "2026-09-01 09:00:00", "Comment", "A new leg is on its way.", True, 1),
    (3, 101, "2026-09-01 09:01:00", "Comment", "Ordered from the supplier.", False, 1),
    (4, 101, "2026-09-01 09:05:00", "Resolved", "", True, 1),  # a status change only
    (5, 101, "2026-09-01 10:00:00", "Comment", "Thanks, it fits!", True, 3),
    (6, 101, "2026-09-01 10:30:00", "E-Mail Received", "Here is my passwd", True, None),
    (7, 104, "2026-09-03 09:00:00", "Comment", "Refunded one.", True, 2),
]
FILES = [
    (1, 2, "helpdesk/attachments/support-101/2/leg.jpg", "leg.jpg", "image/jpeg", len(PHOTO)),
    (2, 6, "../../../etc/passwd", "passwd", "text/plain", 100),
]


def fill(connection: Any, mark: str, timestamp: str) -> None:
    cursor = connection.cursor()
    for statement in schema(timestamp):
        cursor.execute(statement)
    for table, rows in (
        ("auth_user", USERS),
        ("helpdesk_queue", QUEUES),
        ("helpdesk_ticket", TICKETS),
        ("helpdesk_followup", FOLLOW_UPS),
        ("helpdesk_followupattachment", FILES),
    ):
        marks = ", ".join(mark for _ in rows[0])
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    connection.commit()
    cursor.close()


@dataclass
class OldDesk:
    url: str
    media: Path


def _media(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    photo = media / "helpdesk/attachments/support-101/2/leg.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)
    return media


@pytest.fixture
def sqlite_desk(tmp_path: Path) -> OldDesk:
    path = tmp_path / "helpdesk.sqlite3"
    with sqlite3.connect(path) as connection:
        fill(connection, "?", "DATETIME")
    connection.close()
    return OldDesk(f"sqlite:///{path}", _media(tmp_path))


def _mariadb() -> pymysql.connections.Connection[Any] | None:
    try:
        return pymysql.connect(**MARIADB, connect_timeout=2)  # type: ignore[arg-type]
    except pymysql.err.OperationalError:
        return None


@pytest.fixture
def mariadb_desk(tmp_path: Path) -> Iterator[OldDesk]:
    server = _mariadb()
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("MariaDB is required in CI but 127.0.0.1:3306 is unreachable")
        pytest.skip("no MariaDB at 127.0.0.1:3306 (CI runs this test)")
    name = f"caredesk_helpdesk_{secrets.token_hex(4)}"
    with server.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    server.select_db(name)
    try:
        fill(server, "%s", "DATETIME(6)")
        yield OldDesk(f"mysql://root@127.0.0.1:3306/{name}", _media(tmp_path))
    finally:
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {name}")
        server.close()


@pytest.fixture(params=["sqlite", "mariadb"])
def old_desk(request: pytest.FixtureRequest) -> OldDesk:
    return request.getfixturevalue(f"{request.param}_desk")


def test_a_django_helpdesk_database_becomes_cases_and_a_rerun_adds_nothing(old_desk, desk, now):
    source = database.connect(old_desk.url)
    summary = Importer(
        DjangoHelpdeskReader(source, media=old_desk.media), actor=desk.admin, now=now
    ).run()
    source.close()
    problems = " | ".join(f"{p.what}: {p.message}" for p in summary.problems)

    sofa = Ticket.objects.get(subject="Sofa leg broken")
    assert sofa.status == "resolved" and sofa.priority == "high"
    emails = list(sofa.customer.identities.values_list("value", flat=True))
    assert emails == ["nora@example.test"] and sofa.customer.name == "Nora Quist"
    assert sofa.team.name == "Support" and sofa.assignee.email == "alma@old-desk.test"
    messages = list(Message.objects.filter(ticket=sofa).order_by("created_at"))
    assert [(m.kind, m.body) for m in messages] == [
        (MessageKind.CUSTOMER, DESCRIPTION),  # once, although django-helpdesk copied it
        (MessageKind.REPLY, "A new leg is on its way."),
        (MessageKind.NOTE, "Ordered from the supplier."),
        (MessageKind.CUSTOMER, "Thanks, it fits!"),  # a signed-in submitter
        (MessageKind.CUSTOMER, "Here is my passwd"),  # mailed in: no user
    ]
    photo = Attachment.objects.get(message=messages[1])
    assert photo.filename == "leg.jpg" and sha(photo.file.read()) == sha(PHOTO)
    assert not Attachment.objects.filter(message=messages[4]).exists()
    assert "passwd could not be read (its path leads outside the media folder)" in problems

    dup = Ticket.objects.get(customer__identities__value="tom@example.test")
    assert dup.subject == "<script>alert(1)</script>"  # text, escaped on every page
    assert dup.status == "closed" and dup.priority == "low"
    assert list(dup.tags.values_list("name", flat=True)) == ["duplicate"]
    assert "ticket 102: was merged into ticket 101" in problems
    assert "ticket 103: has no submitter email address" in problems
    assert "ticket 105: has a status caredesk does not import (9)" in problems
    assert "user 4: is staff without an email address" in problems
    assert summary.created["cases"] == 2 and Ticket.objects.count() == 2

    source = database.connect(old_desk.url)
    again = Importer(
        DjangoHelpdeskReader(source, media=old_desk.media), actor=desk.admin, now=now
    ).run()
    source.close()
    assert again.created["cases"] == 0 and again.skipped["cases"] == 2
    assert Ticket.objects.count() == 2 and Message.objects.count() == 7


def test_the_command_reads_a_django_helpdesk_file_dry_run_then_for_real(sqlite_desk, desk, capsys):
    args = ["import", "django-helpdesk", "--database", sqlite_desk.url, "--as", desk.admin.email]
    assert main([*args, "--media", str(sqlite_desk.media), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "would create: 2 cases" in out.out and "/5 cases" in out.err  # progress with total
    assert not Ticket.objects.exists()
    assert main([*args, "--quiet"]) == 0  # without --media: messages kept, files reported
    assert "leg.jpg could not be read (no --media folder was given)" in capsys.readouterr().out
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://old-desk/db", "must start with one of sqlite://"),
        ("sqlite:///nowhere/helpdesk.sqlite3", "is not a file"),
        ("mysql://root@127.0.0.1:1/helpdesk", "cannot open mysql://127.0.0.1/helpdesk"),
    ],
)
def test_a_database_that_cannot_be_opened_is_named(url, message):
    with pytest.raises(SourceError, match=message):
        database.connect(url)


def test_a_file_that_is_not_a_django_helpdesk_database_stops_with_the_reason(
    tmp_path, desk, capsys
):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"\x00not sqlite at all" * 100)
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    empty.write_bytes(b"")
    args = ["import", "django-helpdesk", "--as", desk.admin.email, "--quiet", "--database"]
    assert main([*args, f"sqlite:///{junk}"]) == 1
    assert "file is not a database" in capsys.readouterr().err
    assert main([*args, f"sqlite:///{empty}"]) == 1
    assert "no such table" in capsys.readouterr().err
    assert main([*args, f"sqlite:///{empty}", "--users-table", "x; DROP TABLE y"]) == 1
    assert "is not a table name" in capsys.readouterr().err
    assert main(["import", "django-helpdesk", "--as", desk.admin.email]) == 2
    assert "give --database" in capsys.readouterr().err
    assert not Ticket.objects.exists()


def test_the_source_database_is_never_written(sqlite_desk):
    source = database.connect(sqlite_desk.url)
    with pytest.raises(SourceError, match="readonly"):
        list(source.rows("DELETE FROM helpdesk_ticket"))
    source.close()


def test_the_mariadb_source_is_never_written(mariadb_desk):
    source = database.connect(mariadb_desk.url)
    with pytest.raises(SourceError, match="READ ONLY"):
        list(source.rows("DELETE FROM helpdesk_ticket"))
    source.close()
