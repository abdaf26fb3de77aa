"""A CSV import maps columns named field:<key> onto the custom case fields."""

from __future__ import annotations

from caredesk.customfields import selectors
from caredesk.imports.csvsource import COLUMNS, CsvReader
from caredesk.imports.importer import Importer
from caredesk.tickets.models import Ticket
from tests.imports.test_csv import write_csv

from .conftest import define

ROW = {
    "case_id": "A1",
    "created_at": "2026-09-01T08:00:00+02:00",
    "subject": "Sofa leg broken",
    "status": "resolved",
    "customer_email": "nora@example.test",
    "body": "One leg of the sofa snapped.",
}


def test_field_columns_are_imported_and_bad_values_reported(tmp_path, desk, now):
    define(
        desk,
        now,
        key="cause",
        label="Root cause",
        kind="select",
        options=["courier", "stock"],
        required_on=["resolved"],
    )
    define(desk, now, key="parts", label="Parts", kind="multiselect", options=["leg", "seat"])
    define(desk, now, key="amount", label="Amount", kind="number")
    rows = [
        {**ROW, "field:cause": "courier", "field:parts": "leg; seat", "field:amount": "lots"},
        {**ROW, "case_id": "B2", "subject": "No cause"},
    ]
    columns = (*COLUMNS, "field:cause", "field:parts", "field:amount")
    path = write_csv(tmp_path / "old.csv", rows, columns)
    summary = Importer(CsvReader(path), actor=desk.admin, now=now).run()
    case = Ticket.objects.get(subject="Sofa leg broken")
    values = selectors.values_of(selectors.definitions("case"), [case.pk])[case.pk]
    assert values == {"cause": "courier", "parts": ["leg", "seat"]}
    assert case.status == "resolved"
    problems = " | ".join(f"{p.what}: {p.message}" for p in summary.problems)
    assert "field amount not kept: Amount is a number." in problems
    # A resolved case without its required field is reported, naming the field.
    assert "case B2" in problems and "Root cause" in problems
    assert not Ticket.objects.filter(subject="No cause").exists()
