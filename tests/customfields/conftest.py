from __future__ import annotations

import pytest

from caredesk.customfields.actions import do_define_field
from caredesk.customfields.validation import DefinitionData
from caredesk.tickets import actions
from caredesk.tickets.models import Channel
from tests.api.conftest import _fresh_rate_limits, api  # noqa: F401  (fixtures for test_api.py)


def define(desk, now, **kw):
    fields = dict(key="order_no", target="case", label="Order number", kind="text")
    fields.update(kw)
    return do_define_field(actor=desk.admin, data=DefinitionData(**fields), now=now)


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


@pytest.fixture
def case(desk, now):
    return open_case(desk, now)
