"""Eligibility with the seed's cases: the shower seat (hygiene) and the sofa."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caredesk.policies.eligibility import NO_RECORD, check, check_case
from caredesk.records import actions as record_actions

from .helpers import HYGIENE_REASON, WINDOW_REASON, delivered, open_case, order, returns_policy


@pytest.fixture
def returns(db, now):
    return returns_policy(now)


def test_the_shower_seat_is_refused_with_the_policys_reason(desk, now, returns):
    seat = order(
        desk.alice,
        "204117",
        [{"product": "Shower seat", "category": "Hygiene", "delivered_at": delivered(now, 3)}],
        now,
    )
    outcome = check(returns, seat, now=now, applies_to="return")
    assert outcome.eligible is False
    assert outcome.reasons == (HYGIENE_REASON,)


def test_the_sofa_within_30_days_is_eligible(desk, now, returns):
    sofa = order(
        desk.alice,
        "204118",
        [{"product": "Sofa", "category": "furniture", "delivered_at": delivered(now, 12)}],
        now,
    )
    outcome = check(returns, sofa, now=now, applies_to="return")
    assert outcome.eligible is True
    assert outcome.reasons == ()
    assert outcome.rules_checked == 2


@pytest.mark.parametrize(("days", "eligible"), [(29, True), (30, True), (31, False)])
def test_the_30_day_boundary_with_injected_now(desk, returns, days, eligible):
    now = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    # Delivered early in the morning: calendar days count, not hours.
    at = (now - timedelta(days=days)).replace(hour=0, minute=1)
    sofa = order(
        desk.alice,
        "S1",
        [{"product": "Sofa", "category": "furniture", "delivered_at": at.isoformat()}],
        now,
    )
    outcome = check(returns, sofa, now=now, applies_to="return")
    assert outcome.eligible is eligible
    assert outcome.reasons == (() if eligible else (WINDOW_REASON,))


def test_the_same_record_turns_ineligible_as_time_passes(desk, now, returns):
    sofa = order(
        desk.alice,
        "S2",
        [{"product": "Sofa", "category": "furniture", "delivered_at": now.isoformat()}],
        now,
    )
    assert check(returns, sofa, now=now + timedelta(days=30), applies_to="return").eligible
    assert not check(returns, sofa, now=now + timedelta(days=31), applies_to="return").eligible


def test_a_missing_record_is_not_eligible_and_says_why(db, now, returns):
    outcome = check(returns, None, now=now, applies_to="return")
    assert outcome.eligible is False
    assert outcome.reasons == (NO_RECORD,)


def test_an_unknown_category_is_not_refused_by_the_hygiene_rule(desk, now, returns):
    lamp = order(
        desk.alice,
        "L1",
        [{"product": "Garden lamp", "category": "garden-stuff", "delivered_at": delivered(now, 2)}],
        now,
    )
    assert check(returns, lamp, now=now, applies_to="return").eligible is True


def test_a_missing_delivery_date_is_not_guessed(desk, now, returns):
    sofa = order(desk.alice, "S3", [{"product": "Sofa", "category": "furniture"}], now)
    outcome = check(returns, sofa, now=now, applies_to="return")
    assert outcome.eligible is False
    assert outcome.missing == ("line.delivered_at",)
    assert "line.delivered_at is not known" in outcome.reasons[0]


def test_every_line_is_checked_and_named(desk, now, returns):
    mixed = order(
        desk.alice,
        "M1",
        [
            {"product": "Sofa", "category": "furniture", "delivered_at": delivered(now, 2)},
            {"product": "Shower seat", "category": "hygiene", "delivered_at": delivered(now, 2)},
        ],
        now,
    )
    outcome = check(returns, mixed, now=now, applies_to="return")
    assert outcome.reasons == (f"Shower seat: {HYGIENE_REASON}",)
    sofa_line = mixed.lines.get(product="Sofa")
    assert check(returns, mixed, sofa_line, now=now, applies_to="return").eligible


def test_rules_of_other_kinds_and_inactive_rules_do_not_apply(desk, now, returns):
    seat = order(desk.alice, "X1", [{"product": "Shower seat", "category": "hygiene"}], now)
    assert check(returns, seat, now=now, applies_to="refund").eligible
    returns.rules.update(is_active=False)
    assert check(returns, seat, now=now, applies_to="return").eligible


def test_record_and_attribute_rules(desk, now):
    from .helpers import policy, rule

    p = policy("exchanges", "Exchanges", "Unopened items under 500 can be exchanged.", now)
    rule(
        p,
        "exchange",
        "require",
        'line.attributes.condition == "unopened"',
        "Only unopened items.",
        now,
    )
    rule(p, "exchange", "require", "record.amount <= 500", "Orders up to 500 only.", now)
    big = order(
        desk.alice,
        "B1",
        [{"product": "Bed", "attributes": {"condition": "opened"}}],
        now,
        amount="900",
    )
    outcome = check(p, big, now=now, applies_to="exchange")
    assert outcome.reasons == ("Only unopened items.", "Orders up to 500 only.")
    small = order(
        desk.alice,
        "B2",
        [{"product": "Pillow", "attributes": {"condition": "unopened"}}],
        now,
        amount=20.5,
    )
    assert check(p, small, now=now, applies_to="exchange").eligible


def test_the_case_check_uses_the_linked_record(desk, now, returns):
    ticket = open_case(desk, now)
    no_link = check_case(ticket, "return", now=now)
    assert not no_link.eligible and no_link.reasons == (NO_RECORD,)
    seat = order(
        desk.alice,
        "204117",
        [{"product": "Shower seat", "category": "hygiene", "delivered_at": delivered(now, 3)}],
        now,
    )
    record_actions.do_link_record(ticket, actor=desk.agent, record_id=seat.pk, now=now)
    linked = check_case(ticket, "return", now=now)
    assert not linked.eligible and linked.reasons == (HYGIENE_REASON,)
    assert check_case(ticket, "refund", now=now).eligible  # no refund rules at all
