"""The conditions on their own: checked on input, matched purely with ``now`` given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caredesk.automations.conditions import Facts, check, refusal
from caredesk.core.errors import DomainError
from caredesk.sla.calendar import Calendar


def facts(**kw):
    values = dict(
        channel="email",
        team_id=1,
        priority="normal",
        status="open",
        tier="vip",
        tags=frozenset({"refund"}),
        text="my parcel never came",
        assigned=False,
        calendar=Calendar.weekly("Europe/Berlin", {d: [("09:00", "17:00")] for d in range(5)}),
    )
    values.update(kw)
    return Facts(**values)


MONDAY_NOON_BERLIN = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
MONDAY_NIGHT = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 23:30 in Berlin


def test_every_condition_set_must_hold():
    cond = check(
        {"channels": ["email"], "tiers": ["vip"], "tags_all": ["Refund"], "words": ["Parcel"]}
    )
    assert refusal(cond, facts(), MONDAY_NOON_BERLIN) is None
    assert refusal(cond, facts(channel="phone"), MONDAY_NOON_BERLIN) == "channel is phone"
    assert refusal(cond, facts(tier="standard"), MONDAY_NOON_BERLIN) == "customer tier is standard"
    assert refusal(cond, facts(tags=frozenset()), MONDAY_NOON_BERLIN) == "tag refund missing"
    assert refusal(cond, facts(text="hello"), MONDAY_NOON_BERLIN) == "none of the words found"
    excluded = check({"tags_none": ["spam"], "assigned": "no", "team_ids": [1]})
    assert (
        refusal(excluded, facts(tags=frozenset({"spam"})), MONDAY_NOON_BERLIN) == "tag spam present"
    )
    assert refusal(excluded, facts(assigned=True), MONDAY_NOON_BERLIN) == "assigned"
    assert refusal(excluded, facts(team_id=2), MONDAY_NOON_BERLIN) == "team does not match"


def test_business_hours_and_time_of_day_use_the_case_calendar():
    inside = check({"business_hours": "open"})
    outside = check({"business_hours": "closed"})
    assert refusal(inside, facts(), MONDAY_NOON_BERLIN) is None
    assert refusal(inside, facts(), MONDAY_NIGHT) == "outside business hours"
    assert refusal(outside, facts(), MONDAY_NIGHT) is None
    night = check({"time_from": "22:00", "time_to": "6:00"})  # over midnight, Berlin time
    assert night.time_to == "06:00"
    assert refusal(night, facts(), MONDAY_NIGHT) is None
    assert refusal(night, facts(), MONDAY_NOON_BERLIN) == "outside 22:00-06:00"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"channels": ["fax"]}, "Unknown channel"),
        ({"priorities": ["<script>"]}, "Unknown priority"),
        ({"words": ["x" * 61]}, "too long"),
        ({"words": [f"w{n}" for n in range(21)]}, "At most 20"),
        ({"words": ["a\x00b"]}, "NUL"),
        ({"time_from": "09:00"}, "both times"),
        ({"time_from": "9am", "time_to": "17:00"}, "like 09:00"),
        ({"tags_all": ["a"], "tags_none": ["A"]}, "both required and excluded"),
        ({"team_ids": ["one"]}, "not a team id"),
        ({"team_ids": [424242]}, "no team with id"),
        ({"assigned": "maybe"}, "Assigned"),
        ({"channels": "email"}, None),  # a comma-separated string is a list
        ({"nope": 1}, "Unknown condition"),
    ],
)
def test_conditions_are_checked_with_a_reason(data, message):
    if message is None:
        assert check(data, team_ids={1}).channels == ["email"]
        return
    with pytest.raises(DomainError, match=message):
        check(data, team_ids={1})
