"""A macro step sets custom case fields, checked when the macro is saved and run through
do_set_field_values when it is applied (before its status change)."""

from __future__ import annotations

import pytest

from caredesk.core.errors import DomainError, InvalidInput
from caredesk.customfields import selectors
from caredesk.macros.actions import do_apply_macro, do_create_macro
from caredesk.macros.validation import MacroData
from caredesk.tickets.models import Status

from .conftest import define


def macro(desk, now, **kw):
    data = dict(title="Resolve late delivery", body="")
    data.update(kw)
    data.setdefault("scope", "global")
    return do_create_macro(actor=desk.admin, data=MacroData(**data), now=now)


def test_a_macro_fills_the_required_field_before_resolving(desk, now, case):
    define(
        desk,
        now,
        key="cause",
        label="Root cause",
        kind="select",
        options=["courier", "stock"],
        required_on=["resolved"],
    )
    m = macro(desk, now, set_fields={"cause": "courier"}, set_status=Status.RESOLVED)
    assert m.set_fields == {"cause": "courier"}
    outcome = do_apply_macro(desk.agent, case, m, now)
    assert outcome.refused == []
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    values = selectors.values_of(selectors.definitions("case"), [case.pk])[case.pk]
    assert values == {"cause": "courier"}


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"cause": "aliens"}, "not one of its options"),
        ({"nope": "x"}, "no field"),
        ("cause=courier", "object"),
        ({f"k{i}": "x" for i in range(21)}, "at most 20"),
    ],
)
def test_a_macro_with_a_bad_field_step_is_refused(desk, now, fields, words):
    define(desk, now, key="cause", label="Root cause", kind="select", options=["courier"])
    with pytest.raises((DomainError, InvalidInput)) as refused:
        macro(desk, now, set_fields=fields)
    assert words in refused.value.message


def test_a_team_field_step_is_reported_for_an_agent_of_another_team(desk, now):
    from .conftest import open_case

    define(desk, now, key="secret", label="Billing note", team_ids=[desk.billing.pk])
    case = open_case(desk, now, team=None)
    m = macro(desk, now, set_fields={"secret": "x"}, body="Hello")
    outcome = do_apply_macro(desk.other_agent, case, m, now)
    assert [r["step"] for r in outcome.refused] == ["fields"]


def test_the_macro_form_takes_field_lines(desk, now):
    from django.test import Client

    define(desk, now, key="cause", label="Root cause", kind="select", options=["courier"])
    client = Client()
    client.force_login(desk.agent)
    response = client.post(
        "/macros/new",
        {"title": "Courier", "scope": "personal", "set_fields": "cause=courier", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    refused = client.post(
        "/macros/new",
        {"title": "Bad", "scope": "personal", "set_fields": "cause=<b>x</b>", "active": "on"},
    )
    assert refused.status_code == 400
    assert "&lt;b&gt;x&lt;/b&gt;" in refused.content.decode()
    assert "<b>x</b>" not in refused.content.decode()
