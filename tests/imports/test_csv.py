"""Importing a CSV export (one row per message) and the ``caredesk import`` command."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from caredesk.cli import main
from caredesk.imports.csvsource import COLUMNS, CsvError, CsvReader
from caredesk.imports.importer import Importer
from caredesk.tickets.models import Message, MessageKind, Ticket

ROWS = [
    {
        "case_id": "A1",
        "created_at": "2026-09-01T08:00:00+02:00",
        "subject": "Sofa leg broken",
        "status": "resolved",
        "priority": "high",
        "customer_email": "Nora@Example.test",
        "customer_name": "Nora Quist",
        "organization": "Quist AB",
        "team": "Furniture",
        "assignee_email": "sam@old.test",
        "tags": "damage; sofa",
        "author_email": "",
        "visibility": "public",
        "body": "One leg of the sofa snapped.",
    },
    {
        "case_id": "A1",
        "created_at": "2026-09-01T09:00:00+02:00",
        "author_email": "sam@old.test",
        "customer_email": "nora@example.test",
        "visibility": "public",
        "body": "A new leg is on its way.",
    },
    {
        "case_id": "A1",
        "created_at": "2026-09-01T09:01:00+02:00",
        "author_email": "sam@old.test",
        "customer_email": "nora@example.test",
        "visibility": "internal",
        "body": "Ordered from supplier.",
    },
    {
        "case_id": "B2",
        "created_at": "not a time",
        "customer_email": "x@example.test",
        "body": "Bad time",
    },
    {
        "case_id": "C3",
        "created_at": "2026-09-02T08:00:00Z",
        "status": "exploded",
        "customer_email": "y@example.test",
        "body": "Bad status",
    },
    {
        "case_id": "D4",
        "created_at": "2026-09-02T08:00:00Z",
        "customer_email": "z@example.test",
        "body": "",
    },
    {
        "case_id": "E5",
        "created_at": "2026-09-03T08:00:00Z",
        "subject": "Hostile",
        "customer_email": "h@example.test",
        "body": "<img src=x onerror=alert(1)> " + "x" * 200_000,
    },
]


def write_csv(path: Path, rows=ROWS, columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def test_a_csv_export_becomes_cases_and_bad_rows_are_named(tmp_path, desk, now):
    summary = Importer(CsvReader(write_csv(tmp_path / "old.csv")), actor=desk.admin, now=now).run()
    case = Ticket.objects.get(subject="Sofa leg broken")
    assert case.status == "resolved" and case.priority == "high"
    assert case.customer.name == "Nora Quist" and case.team.name == "Furniture"
    assert sorted(case.tags.values_list("name", flat=True)) == ["damage", "sofa"]
    kinds = list(
        Message.objects.filter(ticket=case).order_by("created_at").values_list("kind", flat=True)
    )
    assert kinds == [MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.NOTE]
    problems = " | ".join(f"{p.what}: {p.message}" for p in summary.problems)
    assert "case B2 (row 5)" in problems and "not a time" in problems
    assert "case C3 (row 6): unknown status 'exploded'" in problems
    assert "case D4 (row 7): row 7 has no body" in problems
    hostile = Message.objects.get(ticket__subject="Hostile")
    assert hostile.body.startswith("<img src=x onerror=alert(1)>")  # kept as text, escaped on pages
    assert hostile.body.endswith("was cut]") and "cut to 100,000 characters" in problems
    assert summary.created["cases"] == 2


@pytest.mark.parametrize(
    "content, message",
    [
        ("case_id,body\nA,hello\n", "missing columns created_at, customer_email"),
        (b"\xff\xfe\x00broken", "not a UTF-8 CSV file"),
    ],
)
def test_a_file_that_is_not_the_documented_csv_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CsvError, match=message):
        CsvReader(path)


def test_a_row_with_more_cells_than_columns_is_reported(tmp_path, desk, now):
    path = tmp_path / "extra.csv"
    path.write_text(
        "case_id,created_at,customer_email,body\n"
        "A,2026-09-01T08:00:00Z,a@example.test,hello,EXTRA\n"
        "B,2026-09-01T08:00:00Z,b@example.test,fine\n"
    )
    summary = Importer(CsvReader(path), actor=desk.admin, now=now).run()
    assert [p.what for p in summary.problems] == ["row 2"]
    assert summary.created["cases"] == 1


def test_the_import_command_dry_run_and_real_run(tmp_path, desk, capsys):
    path = write_csv(tmp_path / "old.csv")
    assert main(["import", "csv", str(path), "--as", desk.admin.email, "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "would create: 2 cases" in out.out and "dry run" in out.out
    assert "cases," in out.err  # the progress line
    assert not Ticket.objects.exists()
    assert main(["import", "csv", str(path), "--as", desk.admin.email, "--quiet"]) == 0
    assert Ticket.objects.count() == 2
    assert main(["import", "csv", str(path), "--as", desk.admin.email, "--quiet"]) == 0
    assert "already there: " in capsys.readouterr().out and Ticket.objects.count() == 2


def test_the_import_command_refuses_a_non_admin_and_a_missing_file(tmp_path, desk, capsys):
    path = write_csv(tmp_path / "old.csv")
    assert main(["import", "csv", str(path), "--as", desk.agent.email]) == 2
    assert main(["import", "csv", str(tmp_path / "nope.csv"), "--as", desk.admin.email]) == 1
    assert "nope.csv" in capsys.readouterr().err
