"""The demo uses the policies: Maria was told twice, Gerald's shower seat is not
returnable, and Tom's gym membership is a record."""

from __future__ import annotations

from caredesk.policies.eligibility import check_case
from caredesk.policies.models import Acknowledgement
from caredesk.policies.selectors import case_policies
from caredesk.records.models import CaseRecordLink, Record
from caredesk.tickets.models import Ticket
from tests.conftest import NOW
from tests.demo.conftest import run_demo


def test_the_delivery_window_dispute_was_told_twice(loaded):
    window = Ticket.objects.get(subject__startswith="Driver came at 11:40")
    shown = {cp.policy.slug: cp for cp in case_policies(window, now=NOW)}
    summary = shown["delivery-window"].summary
    assert summary.startswith("Told 2 times: at purchase (receipt, ")
    assert "at scheduling (call, " in summary
    assert CaseRecordLink.objects.filter(ticket=window, record__external_id="BH-204117").exists()


def test_the_shower_seat_is_not_returnable(loaded):
    seat = Ticket.objects.get(subject__startswith="Return an unused shower seat")
    outcome = check_case(seat, "return", now=NOW)
    assert not outcome.eligible
    assert "hygiene items" in outcome.reasons[0]


def test_the_gym_membership_is_a_subscription(loaded):
    assert Record.objects.filter(kind="subscription", external_id="FIT-5521").exists()


def test_a_second_load_adds_no_duplicates(loaded):
    assert run_demo().code == 0
    assert Acknowledgement.objects.count() == 2
    assert Record.objects.filter(external_id="BH-204117").count() == 1
    seat = (
        Ticket.objects.filter(subject__startswith="Return an unused shower seat")
        .order_by("pk")
        .first()
    )
    assert CaseRecordLink.objects.filter(ticket=seat).count() == 1
