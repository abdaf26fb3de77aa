"""The demo's gym cancellation is one confirmation; the shower seat return is refused."""

from __future__ import annotations

import pytest

from caredesk.core.errors import Conflict
from caredesk.customers.models import Customer
from caredesk.records.models import Record
from caredesk.selfservice.actions import do_request_self_service
from caredesk.selfservice.models import RequestType
from tests.conftest import NOW
from tests.demo.conftest import run_demo


def test_tom_cancels_his_gym_membership_in_one_step(loaded):
    cancel = RequestType.objects.get(name="Cancel my membership")
    tom = Customer.objects.get(name="Tom Becker")
    gym = Record.objects.get(external_id="FIT-5521")
    done = do_request_self_service(cancel, tom, actor=tom.user, now=NOW, record_id=gym.pk)
    assert done.created and done.request.record == gym


def test_the_shower_seat_cannot_be_returned_by_self_service(loaded):
    ret = RequestType.objects.get(name="Return an item")
    seat = Record.objects.get(external_id="BH-198842")
    gerald = seat.customer
    with pytest.raises(Conflict) as error:
        do_request_self_service(
            ret,
            gerald,
            actor=gerald.user,
            now=NOW,
            record_id=seat.pk,
            line_id=seat.lines.get().pk,
        )
    assert "hygiene items" in error.value.message


def test_a_second_load_adds_no_types(loaded):
    assert run_demo().code == 0
    assert RequestType.objects.count() == 2
