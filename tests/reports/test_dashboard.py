"""The care dashboard page, its filters, CSV exports and what it reads."""

from __future__ import annotations

import pytest

from caredesk.reports.aggregates import backfill
from tests.reports.conftest import D, open_case, solved_once


@pytest.fixture
def history(desk, frozen):
    start = frozen - 12 * D
    solved_once(desk, start)  # FCR yes
    solved_once(
        desk, start + 3 * D, customer=desk.alice, subject="Parcel late", body="Where is it?"
    )
    open_case(desk, frozen - 1 * D, subject="Still open")
    backfill(20, frozen)
    return start


def test_dashboard_leads_with_fcr_repeat_and_reopen(client, desk, history):
    client.force_login(desk.lead)
    page = client.get("/reports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        text.index("First-contact resolution")
        < text.index("Repeat contacts")
        < text.index("Reopen rate")
    )
    assert (
        text.index("Reopen rate") < text.index("Response times by tier") < text.index("Handle time")
    )
    assert "<svg" in text and "<title>" in text
