"""Managing and applying macros: who may, what is audited, what is refused and reported."""

from __future__ import annotations

import pytest

from caredesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from caredesk.core.models import Event
from caredesk.macros import rules, selectors
from caredesk.macros.actions import do_apply_macro, do_delete_macro, do_update_macro
from caredesk.macros.models import Macro, MacroUse, Scope
from caredesk.macros.validation import MacroData
from caredesk.promises.models import Promise
from caredesk.tickets.models import AuditEvent, Priority, Status

from .conftest import make_macro


def test_an_agent_makes_personal_macros_but_not_shared_ones(desk, now):
    mine = make_macro(desk.agent, now)
    assert mine.scope == Scope.PERSONAL and mine.owner == desk.agent
    with pytest.raises(PermissionDenied):
        make_macro(desk.agent, now, scope=Scope.GLOBAL)
    with pytest.raises(PermissionDenied):
        make_macro(desk.agent, now, scope=Scope.TEAM, team=desk.billing)
    assert Macro.objects.count() == 1
    assert Event.objects.filter(kind="macro.created").count() == 1


def test_an_agent_cannot_edit_or_delete_a_global_macro(desk, now):
    shared = make_macro(desk.admin, now, scope=Scope.GLOBAL)
    data = MacroData(title="Hijacked", scope=Scope.GLOBAL, body="x")
    with pytest.raises(PermissionDenied):
        do_update_macro(actor=desk.agent, macro=shared, data=data, now=now)
    with pytest.raises(PermissionDenied):
        do_delete_macro(actor=desk.agent, macro=shared, now=now)
    assert Macro.objects.get(pk=shared.pk).title == "Delivery apology"
    assert not rules.may_edit(desk.agent, shared)


def test_a_lead_manages_their_teams_macros_not_other_teams(desk, now):
    make_macro(desk.lead, now, scope=Scope.TEAM, team=desk.billing)
    make_macro(desk.lead, now, scope=Scope.GLOBAL, title="Everyone")
    with pytest.raises(PermissionDenied):
        make_macro(desk.lead, now, scope=Scope.TEAM, team=desk.delivery)
    make_macro(desk.manager, now, scope=Scope.TEAM, team=desk.delivery)


def test_a_team_macro_is_visible_only_to_the_team(desk, now):
    team = make_macro(desk.lead, now, scope=Scope.TEAM, team=desk.billing, title="Billing only")
    personal = make_macro(desk.other_agent, now, title="Otto's own")
    assert team in rules.usable_macros(desk.agent)
    assert team not in rules.usable_macros(desk.other_agent)
    assert personal not in rules.usable_macros(desk.agent)
    assert personal in rules.usable_macros(desk.other_agent)
    with pytest.raises(NotFound):
        selectors.usable(desk.other_agent, team.pk)


def test_update_records_old_and_new_values(desk, now):
    macro = make_macro(desk.agent, now)
    data = MacroData(title="Delivery apology v2", body="Hello {{ customer.name }}")
    do_update_macro(actor=desk.agent, macro=macro, data=data, now=now)
    event = Event.objects.get(kind="macro.updated")
    assert event.data["old"]["title"] == "Delivery apology"
    assert event.data["new"]["title"] == "Delivery apology v2"
    assert "scope" not in event.data["new"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": ""}, "empty"),
        ({"title": "x" * 121}, "too_long"),
        ({"body": "", "title": "Nothing"}, "empty"),
        ({"set_status": "deleted"}, "invalid_status"),
        ({"set_priority": "whenever"}, "invalid_priority"),
        ({"promise_kind": "update"}, "incomplete_promise"),
        ({"promise_kind": "update", "promise_text": "x", "promise_due_minutes": 0}, "invalid_due"),
        ({"promise_kind": "bribe", "promise_text": "x", "promise_due_minutes": 5}, "invalid_kind"),
        ({"add_tags": [f"t{i}" for i in range(21)]}, "too_many_tags"),
        ({"add_tags": ["late"], "remove_tags": ["late"]}, "invalid_tags"),
        ({"scope": "galaxy"}, "invalid_scope"),
        ({"scope": Scope.TEAM}, "missing_team"),
        ({"body": "{{ settings.SECRET_KEY }}"}, "invalid_placeholder"),
        ({"body": "{% load static %}"}, "template_tag"),
        ({"body": "y" * 1_000_000}, "too_long"),
    ],
)
def test_invalid_macros_are_refused_and_nothing_is_written(desk, now, fields, code):
    with pytest.raises(DomainError) as refused:
        make_macro(desk.admin, now, **fields)
    assert refused.value.code == code
    assert not Macro.objects.exists()
    assert not Event.objects.filter(kind__startswith="macro.").exists()


def test_applying_changes_the_case_through_the_case_actions_each_audited(desk, now, case):
    macro = make_macro(
        desk.admin,
        now,
        scope=Scope.GLOBAL,
        body="Hi {{ customer.first_name }}, we will update you by {{ promise.due }}.",
        set_status=Status.WAITING_CUSTOMER,
        set_priority=Priority.HIGH,
        assign_to_me=True,
        add_tags=["late-delivery"],
        promise_kind="update",
        promise_text="Send the new delivery slot",
        promise_due_minutes=120,
    )
    applied = do_apply_macro(desk.agent, case, macro, now)
    assert applied.refused == []
    assert applied.text == (
        "Hi Alice, we will update you by Monday 23 November 2026 at 11:30 (UTC)."
    )
    case.refresh_from_db()
    assert case.assignee == desk.agent
    assert case.status == Status.WAITING_CUSTOMER
    assert case.priority == Priority.HIGH
    assert list(case.tags.values_list("name", flat=True)) == ["late-delivery"]
    promise = Promise.objects.get(ticket=case)
    assert promise.owner == desk.agent and promise.text == "Send the new delivery slot"
    verbs = list(AuditEvent.objects.filter(ticket=case).values_list("verb", flat=True))
    for verb in ("assigned", "priority_changed", "tags_changed", "promise_made", "status_changed"):
        assert verb in verbs
    assert verbs[-1] == "macro_applied"
    event = Event.objects.get(kind="macro.applied")
    assert event.ticket_id == case.pk
    assert event.data["new"]["macro"] == macro.title
    assert len(event.data["new"]["done"]) == 5
    macro.refresh_from_db()
    assert macro.use_count == 1 and macro.last_used_at == now
    use = MacroUse.objects.get()
    assert (use.macro, use.ticket, use.by, use.text) == (macro, case, desk.agent, applied.text)


def test_what_the_actions_refuse_is_reported_and_the_rest_is_done(desk, now, case):
    # Otto is not in Billing: the case actions refuse to make him the owner there.
    macro = make_macro(
        desk.admin,
        now,
        scope=Scope.GLOBAL,
        set_assignee=desk.other_agent,
        set_team=desk.billing,
        set_status=Status.RESOLVED,
    )
    applied = do_apply_macro(desk.agent, case, macro, now)
    assert [r["step"] for r in applied.refused] == ["owner"]
    assert "not a member of Billing" in applied.refused[0]["reason"]
    assert applied.done == ["Set status to Resolved"]
    case.refresh_from_db()
    assert case.assignee is None and case.status == Status.RESOLVED
    assert not AuditEvent.objects.filter(ticket=case, verb="assigned").exists()
    event = Event.objects.get(kind="macro.applied")
    assert event.data["new"]["refused"][0]["step"] == "owner"


def test_a_promise_the_actions_refuse_leaves_the_text_honest(desk, now, case):
    macro = make_macro(
        desk.admin,
        now,
        scope=Scope.GLOBAL,
        body="By {{ promise.due }}.",
        promise_kind="update",
        promise_text="Update",
        promise_due_minutes=60,
    )
    # A due offset that the promise actions refuse (due now: "in the past"), written
    # straight to the row; {{ promise.due }} then falls back instead of naming a time
    # nobody promised.
    Macro.objects.filter(pk=macro.pk).update(promise_due_minutes=0)
    macro.refresh_from_db()
    applied = do_apply_macro(desk.agent, case, macro, now)
    assert [r["step"] for r in applied.refused] == ["promise"]
    assert "in the past" in applied.refused[0]["reason"]
    assert applied.text == "By as soon as we can."
    assert not Promise.objects.exists()


def test_an_inactive_or_invisible_macro_cannot_be_applied(desk, now, case):
    macro = make_macro(desk.agent, now, active=False)
    with pytest.raises(Conflict) as off:
        do_apply_macro(desk.agent, case, macro, now)
    assert off.value.code == "macro_inactive"
    assert macro not in rules.usable_macros(desk.agent)
    other = make_macro(desk.other_agent, now, title="Otto's")
    with pytest.raises(NotFound):
        do_apply_macro(desk.agent, case, other, now)
    assert not MacroUse.objects.exists()


def test_a_customer_cannot_apply_a_macro(desk, now, case):
    macro = make_macro(desk.admin, now, scope=Scope.GLOBAL)
    with pytest.raises(PermissionDenied):
        do_apply_macro(desk.alice.user, case, macro, now)


def test_preview_changes_nothing(desk, now, case):
    macro = make_macro(
        desk.admin, now, scope=Scope.GLOBAL, set_status=Status.RESOLVED, add_tags=["x"]
    )
    shown = selectors.preview_macro(desk.agent, case, macro, now)
    assert shown.text == "Hi Alice, sorry."
    assert shown.changes == ["Add tags x", "Set status to Resolved"]
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert Macro.objects.get(pk=macro.pk).use_count == 0
    assert not Event.objects.filter(kind="macro.applied").exists()


def test_search_matches_title_and_body_most_used_first(desk, now, case):
    a = make_macro(desk.agent, now, title="Refund on its way", body="Your refund is sent.")
    b = make_macro(desk.agent, now, title="Late van", body="Sorry the refund was late.")
    do_apply_macro(desk.agent, case, b, now)
    assert selectors.search(desk.agent, "refund") == [b, a]
    assert selectors.search(desk.agent, "van") == [b]
    assert selectors.search(desk.agent, "nothing-like-it") == []
