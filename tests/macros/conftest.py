from __future__ import annotations

import pytest

from caredesk.macros.actions import do_create_macro
from caredesk.macros.validation import MacroData
from caredesk.tickets import actions
from caredesk.tickets.models import Channel


def open_case(desk, now, customer=None, **kw):
    params = dict(
        customer=customer or desk.alice,
        subject="Delivery came outside the window",
        body="The van came at 7pm although I booked 8-12.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


def make_macro(actor, now, **kw):
    fields = dict(title="Delivery apology", body="Hi {{ customer.first_name }}, sorry.")
    fields.update(kw)
    return do_create_macro(actor=actor, data=MacroData(**fields), now=now)


@pytest.fixture
def case(desk, now):
    return open_case(desk, now)
