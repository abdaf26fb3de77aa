"""``caredesk import-records FILE``: all or nothing, row errors by line, progress."""

from __future__ import annotations

import pytest

from caredesk import cli
from caredesk.records import csv_import
from caredesk.records.models import Record, RecordLine

HEADER = "kind,external_id,customer_email,title,amount,currency,delivered_at,line_product,line_category,line_quantity,line_delivered_at\n"
GOOD = (
    HEADER
    + "order,204117,alice@acme.test,Bathroom aids,120.50,EUR,2026-11-20,Shower seat,Hygiene,1,2026-11-20\n"
    + "order,204117,alice@acme.test,,,,,Towel,textiles,2,\n"
    + "subscription,GYM-7,bob@small.test,Gym plan,39,EUR,,,,,\n"
)


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "records.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_import_groups_lines_and_is_idempotent(desk, tmp_path, capsys):
    path = _write(tmp_path, GOOD)
    assert cli.main(["import-records", str(path)]) == 0
    out = capsys.readouterr().out
    assert "3 rows read" in out and "2 records imported: 2 created" in out
    seat = Record.objects.get(external_id="204117")
    assert [(x.product, x.category, x.quantity) for x in seat.lines.all()] == [
        ("Shower seat", "hygiene", 1),
        ("Towel", "textiles", 2),
    ]
    assert seat.source == "csv" and seat.title == "Bathroom aids"
    assert cli.main(["import-records", str(path)]) == 0
    assert "2 unchanged" in capsys.readouterr().out
    assert Record.objects.count() == 2


def test_progress_is_reported(desk, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_import, "PROGRESS_EVERY", 2)
    rows = "".join(f"order,N{i},bob@small.test,,,,,,,,\n" for i in range(5))
    lines: list[str] = []
    csv_import.import_file(
        _write(tmp_path, HEADER + rows), now=desk.alice.created_at, out=lines.append
    )
    assert "caredesk: 2/5 records…" in lines and "caredesk: 4/5 records…" in lines


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (HEADER + "order,1,alice@acme.test,,lots,,,,,,\n", "Line 2: The amount must be a number"),
        (HEADER + "spaceship,1,alice@acme.test,,,,,,,,\n", "Line 2: Unknown record kind"),
        (HEADER + "order,1,alice@acme.test,,,,,Seat,x,many,\n", "Line 2: The quantity"),
        (HEADER + "order,1,alice@acme.test,,,,,,,,,extra\n", "Line 2: more values than columns"),
        ("kind,external_id,colour\n", "unknown column “colour”"),
        ("title\n", "kind and external_id are required"),
        ("", "empty or has no header"),
        (HEADER + 'order,1,alice@acme.test,"' + "x" * 200_000 + '",,,,,,,\n', "cannot be read"),
        (HEADER.encode() + b"order,1,\xff\xfe,,,,,,,,\n", "not UTF-8"),
        (HEADER + "order,1,ghost@nowhere.test,,,,,,,,\n", "no customer ghost@nowhere.test"),
    ],
)
def test_bad_files_import_nothing_and_say_where(desk, tmp_path, capsys, text, words):
    good_first = (
        GOOD.splitlines(keepends=True)[1]
        if isinstance(text, str) and text.startswith(HEADER)
        else ""
    )
    if good_first:
        text = HEADER + good_first + text.removeprefix(HEADER)
        words = words.replace("Line 2", "Line 3")
    assert cli.main(["import-records", str(_write(tmp_path, text))]) == 1
    err = capsys.readouterr().err
    assert words in err, err
    assert not Record.objects.exists() and not RecordLine.objects.exists()


def test_every_bad_row_is_listed(desk, tmp_path, capsys):
    text = (
        HEADER
        + "order,1,alice@acme.test,,x,,,,,,\norder,2,alice@acme.test,,,,,,,,\norder,3,,,,,,,,,\n"
    )
    assert cli.main(["import-records", str(_write(tmp_path, text))]) == 1
    err = capsys.readouterr().err
    assert "Line 2:" in err and "Line 4:" in err and "Line 3:" not in err
    assert "Nothing was imported." in err
    assert not Record.objects.exists()


def test_a_missing_file(desk, tmp_path, capsys):
    assert cli.main(["import-records", str(tmp_path / "nope.csv")]) == 1
    assert "Cannot read" in capsys.readouterr().err
