"""``caredesk import-records FILE``: customer records from a CSV file, all or nothing.

One row per record line (a record without lines is one row with empty ``line_*``
columns); rows with the same ``kind``, ``external_id`` and owner make one record, whose
record columns are read from its first row. Every row is checked before anything is
written; with any error, each bad row is reported with its number and nothing is saved.
Then the records are written in one transaction through the same action the API uses
(idempotent by external id), with progress on the way. docs/policies.md has the columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from caredesk.core.errors import DomainError
from caredesk.records import actions
from caredesk.records.models import Source
from caredesk.records.validation import clean_record

RECORD_COLUMNS = (
    "kind",
    "external_id",
    "customer_id",
    "customer_email",
    "organization_id",
    "title",
    "status",
    "starts_at",
    "ends_at",
    "delivered_at",
    "renews_at",
    "amount",
    "currency",
    "attributes",
)
LINE_COLUMNS = (
    "line_product",
    "line_category",
    "line_quantity",
    "line_price",
    "line_delivered_at",
    "line_attributes",
)
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_FIELD_CHARS = 100_000
PROGRESS_EVERY = 500


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _int(value: str) -> int | str | None:
    text = value.strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 19 else text


def _record(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: row.get(k, "") for k in RECORD_COLUMNS if row.get(k, "").strip()}
    for key in ("customer_id", "organization_id"):
        if key in data:
            data[key] = _int(data[key])
    return data


def _line(row: dict[str, str]) -> dict[str, Any] | None:
    if not any(row.get(k, "").strip() for k in LINE_COLUMNS):
        return None
    line: dict[str, Any] = {
        k.removeprefix("line_"): row.get(k, "") for k in LINE_COLUMNS if row.get(k, "").strip()
    }
    if "quantity" in line:
        line["quantity"] = _int(line["quantity"])
    return line


def read_rows(handle: IO[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows with their line numbers in the file (the header is line 1)."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    if not header:
        raise ImportFailed(["The file is empty or has no header row."])
    unknown = [h for h in header if h not in RECORD_COLUMNS + LINE_COLUMNS]
    if unknown:
        raise ImportFailed([f"Line 1: unknown column “{unknown[0][:40]}”."])
    if "kind" not in header or "external_id" not in header:
        raise ImportFailed(["Line 1: the columns kind and external_id are required."])
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if None in row:
                raise ImportFailed([f"Line {reader.line_num}: more values than columns."])
            rows.append((reader.line_num, {k: v or "" for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([f"More than {MAX_ROWS:,} rows; split the file."])
    except csv.Error as exc:
        raise ImportFailed([f"Line {reader.line_num}: the CSV cannot be read ({exc})."]) from None
    return rows


def group(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Records (with their lines) from the rows, and the errors, each naming its line."""
    records: dict[tuple[str, ...], dict[str, Any]] = {}
    first_line: dict[tuple[str, ...], int] = {}
    errors: list[str] = []
    for number, row in rows:
        key = tuple(
            row.get(k, "").strip().lower()
            for k in ("kind", "external_id", "customer_id", "customer_email", "organization_id")
        )
        try:
            line = _line(row)
            if key not in records:
                data = _record(row)
                clean_record({**data, "lines": [line] if line else []})
                records[key] = {**data, "lines": []}
                first_line[key] = number
            if line is not None:
                clean_record({**records[key], "lines": [line]})
                records[key]["lines"].append(line)
        except (DomainError, json.JSONDecodeError) as error:
            message = error.message if isinstance(error, DomainError) else str(error)
            errors.append(f"Line {number}: {message}")
    return list(records.values()), errors


def import_file(
    path: Path,
    *,
    now: datetime,
    out: Callable[[str], None] = print,
) -> dict[str, int]:
    """Check the whole file, then write it in one transaction. Raises ImportFailed."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFailed([f"Cannot read {path}: {exc.strerror}."]) from None
    if size > MAX_FILE_BYTES:
        raise ImportFailed([f"The file is larger than {MAX_FILE_BYTES // 1048576} MB; split it."])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([f"The file is not UTF-8 text (byte {exc.start})."]) from None
    rows = read_rows(io.StringIO(text, newline=""))
    out(f"caredesk: {len(rows):,} rows read; checking…")
    records, errors = group(rows)
    if errors:
        shown = errors[:50]
        more = [f"…and {len(errors) - 50} more errors."] if len(errors) > 50 else []
        raise ImportFailed([*shown, *more, "Nothing was imported."])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        with transaction.atomic():
            for done_count, data in enumerate(records, start=1):
                done = actions.do_upsert_record(data, actor=None, now=now, source=Source.CSV)
                counts[done.outcome] += 1
                if done_count % PROGRESS_EVERY == 0:
                    out(f"caredesk: {done_count:,}/{len(records):,} records…")
    except DomainError as error:
        raise ImportFailed(
            [
                f"Record {done_count} ({data.get('external_id')}): {error.message}",
                "Nothing was imported.",
            ]
        ) from None
    out(
        f"caredesk: {len(records):,} records imported: {counts['created']:,} created, "
        f"{counts['updated']:,} updated, {counts['unchanged']:,} unchanged."
    )
    return counts
