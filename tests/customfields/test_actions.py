"""Defining fields and setting their values: validation, audit, required-on-status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from caredesk.core.errors import Conflict, InvalidInput, PermissionDenied
from caredesk.core.models import Event
from caredesk.customfields import selectors
from caredesk.customfields.actions import do_change_field, do_retire_field, do_set_field_values
from caredesk.customfields.models import FieldValue
from caredesk.customfields.validation import DefinitionData
from caredesk.tickets import actions as case_actions
from caredesk.tickets.models import AuditEvent, Status

from .conftest import define


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"key": "Order No"}, "key", "lower-case"),
        ({"key": "x" * 41}, "key", "1-40"),
        ({"kind": "colour"}, "kind", "type is one of"),
        ({"label": ""}, "label", "empty"),
        ({"label": "L" * 81}, "label", "too long"),
        ({"kind": "select", "options": []}, "options", "at least one option"),
        ({"kind": "select", "options": "x" * 101}, "options", "too long"),
        ({"kind": "select", "options": [str(i) for i in range(101)]}, "options", "At most"),
        ({"kind": "text", "options": ["a"]}, "options", "Only select"),
        ({"required_on": ["exploded"]}, "required_on", "statuses"),
        ({"target": "customer", "required_on": ["resolved"]}, "required_on", "Only case"),
        ({"target": "customer", "public": True}, "public", "Only case"),
        ({"target": "planet"}, "target", "Choose"),
        ({"help_text": "h" * 301}, "help_text", "too long"),
        ({"team_ids": [999_999]}, "teams", "does not exist"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_field(desk, now, kw, field, words):
    with pytest.raises(InvalidInput) as refused:
        define(desk, now, **kw)
    assert refused.value.field == field
    assert words in refused.value.message


def test_only_admins_define_fields_and_a_key_is_never_reused(desk, now):
    with pytest.raises(PermissionDenied):
        from caredesk.customfields.actions import do_define_field

        do_define_field(
            actor=desk.lead,
            data=DefinitionData(key="k", target="case", label="K", kind="text"),
            now=now,
        )
    d = define(desk, now)
    do_retire_field(actor=desk.admin, definition=d, now=now)
    with pytest.raises(InvalidInput, match="exists"):
        define(desk, now)
    kinds = list(
        Event.objects.filter(kind__startswith="custom_field.").values_list("kind", flat=True)
    )
    assert kinds == ["custom_field.defined", "custom_field.retired"]


def test_the_type_and_key_stay_and_a_used_option_cannot_be_removed(desk, now, case):
    d = define(desk, now, key="reason", label="Reason", kind="select", options=["late", "damaged"])
    do_set_field_values(case, actor=desk.agent, values={"reason": "late"}, now=now)
    base = dict(key="reason", target="case", label="Reason", kind="select")
    with pytest.raises(InvalidInput, match="never changes"):
        do_change_field(
            actor=desk.admin, definition=d, data=DefinitionData(**{**base, "kind": "text"}), now=now
        )
    with pytest.raises(Conflict, match="late"):
        do_change_field(
            actor=desk.admin,
            definition=d,
            data=DefinitionData(**base, options=["damaged"]),
            now=now,
        )
    changed = do_change_field(
        actor=desk.admin,
        definition=d,
        data=DefinitionData(**{**base, "label": "Why"}, options=["late", "damaged", "lost"]),
        now=now,
    )
    assert changed.label == "Why" and changed.options == ["late", "damaged", "lost"]
    event = Event.objects.get(kind="custom_field.changed")
    assert event.data["old"]["label"] == "Reason" and event.data["new"]["label"] == "Why"


def _all_kinds(desk, now):
    define(desk, now, key="order_no", label="Order number", kind="text")
    define(desk, now, key="amount", label="Amount", kind="number")
    define(desk, now, key="bought", label="Bought on", kind="date")
    define(desk, now, key="reason", label="Reason", kind="select", options=["late", "damaged"])
    define(desk, now, key="parts", label="Parts", kind="multiselect", options=["lid", "box", "cup"])
    define(desk, now, key="verified", label="Verified", kind="checkbox")


def test_values_of_every_type_round_trip_with_one_audit_event(desk, now, case):
    _all_kinds(desk, now)
    changed = do_set_field_values(
        case,
        actor=desk.agent,
        values={
            "order_no": "  A-1 ",
            "amount": "12.50",
            "bought": "2026-11-30",
            "reason": "late",
            "parts": ["cup", "lid"],
            "verified": True,
        },
        now=now,
    )
    assert len(changed) == 6
    defs = selectors.definitions("case")
    assert selectors.values_of(defs, [case.pk])[case.pk] == {
        "order_no": "A-1",
        "amount": Decimal("12.5"),
        "bought": date(2026, 11, 30),
        "reason": "late",
        "parts": ["lid", "cup"],  # in the options' order
        "verified": True,
    }
    row = AuditEvent.objects.get(ticket=case, verb="field_changed")
    assert row.old_value["amount"] is None and row.new_value["amount"] == 12.5
    assert Event.objects.filter(kind="field.changed", ticket_id=case.pk).count() == 1
    # Setting the same values again changes nothing and records nothing.
    assert do_set_field_values(case, actor=desk.agent, values={"reason": "late"}, now=now) == {}
    do_set_field_values(case, actor=desk.agent, values={"reason": "", "verified": False}, now=now)
    last = AuditEvent.objects.filter(ticket=case, verb="field_changed").order_by("pk").last()
    assert last.old_value == {"reason": "late", "verified": True}
    assert last.new_value == {"reason": None, "verified": None}


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"amount": "twelve"}, "amount", "is a number"),
        ({"amount": [1]}, "amount", "one value"),
        ({"amount": "1e20"}, "amount", "too large"),
        ({"amount": "NaN"}, "amount", "too large"),
        ({"bought": "30/11/2026"}, "bought", "YYYY-MM-DD"),
        ({"bought": 20261130}, "bought", "YYYY-MM-DD"),
        ({"reason": "lost"}, "reason", "not one of its options"),
        ({"parts": ["lid", "<script>"]}, "parts", "not one of its options"),
        ({"verified": "maybe"}, "verified", "ticked or not"),
        ({"order_no": 5}, "order_no", "must be text"),
        ({"order_no": "x" * 100_000}, "order_no", "too long"),
        ({"nope": "1"}, "nope", "There is no field"),
    ],
)
def test_a_wrong_value_is_refused_with_a_clear_message_and_nothing_lost(
    desk, now, case, values, field, words
):
    _all_kinds(desk, now)
    do_set_field_values(case, actor=desk.agent, values={"order_no": "A-1"}, now=now)
    with pytest.raises(InvalidInput) as refused:
        do_set_field_values(case, actor=desk.agent, values={"order_no": "B-2", **values}, now=now)
    assert refused.value.field == field
    assert words in refused.value.message
    assert list(FieldValue.objects.values_list("value_text", flat=True)) == ["A-1"]


def test_resolving_with_a_required_field_empty_is_refused_naming_it(desk, now, case):
    define(desk, now, key="cause", label="Root cause", required_on=["resolved", "closed"])
    with pytest.raises(InvalidInput) as refused:
        case_actions.do_change_status(case, actor=desk.agent, status=Status.RESOLVED, now=now)
    assert "Root cause" in refused.value.message
    case.refresh_from_db()
    assert case.status != Status.RESOLVED
    assert not AuditEvent.objects.filter(ticket=case, verb="status_changed").exists()
    do_set_field_values(case, actor=desk.agent, values={"cause": "Courier"}, now=now)
    case_actions.do_change_status(case, actor=desk.agent, status=Status.RESOLVED, now=now)
    # Emptying it while the case is resolved is refused too.
    with pytest.raises(InvalidInput, match="required"):
        do_set_field_values(case, actor=desk.agent, values={"cause": ""}, now=now)


def test_a_team_field_is_required_only_on_its_teams_cases(desk, now, case):
    define(
        desk,
        now,
        key="cause",
        label="Root cause",
        required_on=["resolved"],
        team_ids=[desk.delivery.pk],
    )
    case_actions.do_change_status(case, actor=desk.agent, status=Status.RESOLVED, now=now)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_the_customer_confirming_is_not_held_up_by_a_staff_field(desk, now, case):
    define(desk, now, key="cause", label="Root cause", required_on=["resolved"])
    case_actions.do_change_status(case, actor=desk.alice.user, status=Status.RESOLVED, now=now)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_a_team_field_is_hidden_from_and_unsettable_by_other_teams(desk, now, case):
    define(desk, now, key="secret", label="Billing note", team_ids=[desk.billing.pk])
    assert [d.key for d in selectors.visible_definitions(desk.agent, "case")] == ["secret"]
    assert selectors.visible_definitions(desk.other_agent, "case") == []
    assert [d.key for d in selectors.visible_definitions(desk.manager, "case")] == ["secret"]
    with pytest.raises(InvalidInput, match="no field"):
        do_set_field_values(case, actor=desk.other_agent, values={"secret": "x"}, now=now)


def test_customer_and_organization_values_are_audited_below_cases(desk, now):
    define(desk, now, key="contract", target="customer", label="Contract")
    define(
        desk,
        now,
        key="region",
        target="organization",
        label="Region",
        kind="select",
        options=["EU", "US"],
    )
    do_set_field_values(desk.alice, actor=desk.agent, values={"contract": "C-9"}, now=now)
    do_set_field_values(desk.acme, actor=desk.agent, values={"region": "EU"}, now=now)
    events = list(Event.objects.filter(kind="field.changed").order_by("pk"))
    assert [e.data["field"] for e in events] == ["customer.fields", "organization.fields"]
    assert events[0].data["new"] == {"id": desk.alice.pk, "fields": {"contract": "C-9"}}
