"""A small labelled corpus for search quality, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from caredesk.tickets import actions
from caredesk.tickets.models import Channel

from ..conftest import make_customer

SIGNED = "We are looking into it. Kind regards, Customer Service"


@pytest.fixture
def corpus(desk, now):
    """Cases keyed by a short name; the oldest first, so newer cases have higher ids."""
    carol = make_customer("carol.jones@example.org", "Carol Jones")
    minute = timedelta(minutes=1)
    specs = [
        ("customs", desk.bob, "Parcel stuck", "My parcel is held at customs and they want a fee."),
        ("customer1", desk.alice, "Wobbly table", "The table wobbles on the left."),
        ("customer2", desk.alice, "Missing screws", "Two screws were missing from the box."),
        ("customer3", desk.bob, "Late courier", "The courier came three hours late."),
        ("seat", desk.alice, "Return the shower seat", "I want to return the shower seat."),
        ("apart", desk.bob, "Broken chair", "The seat cracked after a shower of rain on it."),
        ("returning", desk.bob, "Lamp", "I am returning the lamp, it flickers."),
        ("label", desk.alice, "Need a label", "Please send a return label."),
        ("carol", carol, "Sofa colour", "The sofa is darker than the photo."),
        ("mentions", desk.alice, "Neighbour", "Carol Jones next door took my parcel in."),
        ("note", desk.bob, "Invoice copy", "Please send the invoice again."),
    ]
    cases = {}
    for i, (key, customer, subject, body) in enumerate(specs):
        team = desk.delivery if key in {"customer3", "apart"} else desk.billing
        cases[key] = actions.do_open_ticket(
            customer=customer,
            subject=subject,
            body=body,
            channel=Channel.PORTAL,
            now=now + i * minute,
            team=team,
        )
    later = now + len(specs) * minute
    for key in ("customer1", "customer2", "customer3"):
        actions.do_reply(cases[key], agent=desk.manager, body=SIGNED, now=later)
    actions.do_add_note(
        cases["note"], agent=desk.manager, body="Finance flagged this: hushword", now=later
    )
    return SimpleNamespace(**cases)
