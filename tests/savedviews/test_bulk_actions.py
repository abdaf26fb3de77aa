"""Bulk actions: each case through its own action and audit event; partly refused."""

from __future__ import annotations

import pytest

from caredesk.core.errors import InvalidInput, NotFound
from caredesk.macros.actions import do_create_macro
from caredesk.macros.validation import MacroData
from caredesk.savedviews.bulk import MAX_SELECTION, BulkChange, do_bulk
from caredesk.tickets.models import AuditEvent, Ticket
from tests.savedviews.conftest import open_case

pytestmark = pytest.mark.django_db


def test_bulk_assign_writes_one_audit_event_per_case(desk, now):
    cases = [open_case(desk, now) for _ in range(3)]
    summary = do_bulk(
        actor=desk.lead,
        case_ids=[c.pk for c in cases],
        change=BulkChange(op="assign", assignee_id=desk.agent.pk),
        now=now,
    )
    assert sorted(summary.changed) == sorted(c.pk for c in cases)
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {desk.agent.pk}
    for case in cases:
        assert AuditEvent.objects.filter(ticket=case, verb="assigned").count() == 1


def test_bulk_partly_refused_reports_each_reason(desk, now):
    billing = open_case(desk, now)
    theirs = open_case(desk, now, team=desk.delivery)  # the agent cannot see it
    summary = do_bulk(
        actor=desk.agent,
        case_ids=[billing.pk, theirs.pk, 999_999],
        change=BulkChange(op="assign", assignee_id=desk.agent.pk),
        now=now,
    )
    assert summary.changed == [billing.pk]
    assert {r["case_id"] for r in summary.refused} == {theirs.pk, 999_999}
    assert all(r["reason"] == "Not found, or not yours to see." for r in summary.refused)
    assert Ticket.objects.get(pk=theirs.pk).assignee_id is None


def test_assigning_someone_outside_the_cases_team_is_refused_for_that_case(desk, now):
    billing = open_case(desk, now)
    unteamed = open_case(desk, now, team=None)
    summary = do_bulk(
        actor=desk.manager,
        case_ids=[billing.pk, unteamed.pk],
        change=BulkChange(op="assign", assignee_id=desk.other_agent.pk),
        now=now,
    )
    assert summary.changed == [unteamed.pk]
    assert summary.refused[0]["case_id"] == billing.pk
    assert summary.refused[0]["code"] == "not_in_team"
    assert "not a member of Billing" in summary.refused[0]["reason"]


def test_status_priority_tags_and_close(desk, now):
    case = open_case(desk, now)
    ids = [case.pk]
    do_bulk(
        actor=desk.agent, case_ids=ids, change=BulkChange(op="priority", priority="high"), now=now
    )
    do_bulk(
        actor=desk.agent,
        case_ids=ids,
        change=BulkChange(op="add_tags", tags=["VIP", "late"]),
        now=now,
    )
    again = do_bulk(
        actor=desk.agent, case_ids=ids, change=BulkChange(op="add_tags", tags=["late"]), now=now
    )
    assert again.unchanged == ids
    do_bulk(
        actor=desk.agent, case_ids=ids, change=BulkChange(op="remove_tags", tags=["late"]), now=now
    )
    do_bulk(actor=desk.agent, case_ids=ids, change=BulkChange(op="close"), now=now)
    case.refresh_from_db()
    assert (case.priority, case.status) == ("high", "closed")
    assert list(case.tags.values_list("name", flat=True)) == ["vip"]
    kinds = sorted(AuditEvent.objects.filter(ticket=case).values_list("verb", flat=True))
    assert kinds.count("tags_changed") == 2 and "priority_changed" in kinds


def test_move_to_team_unassigns_an_owner_outside_the_new_team(desk, now):
    case = open_case(desk, now)
    do_bulk(
        actor=desk.lead,
        case_ids=[case.pk],
        change=BulkChange(op="assign", assignee_id=desk.agent.pk),
        now=now,
    )
    summary = do_bulk(
        actor=desk.manager,
        case_ids=[case.pk],
        change=BulkChange(op="team", team_id=desk.delivery.pk),
        now=now,
    )
    case.refresh_from_db()
    assert summary.changed == [case.pk]
    assert (case.team_id, case.assignee_id) == (desk.delivery.pk, None)


def test_apply_a_macro_to_many(desk, now):
    macro = do_create_macro(
        actor=desk.agent,
        data=MacroData(title="Tag it", add_tags=["bulk"], set_priority="low"),
        now=now,
    )
    cases = [open_case(desk, now) for _ in range(2)]
    summary = do_bulk(
        actor=desk.agent,
        case_ids=[c.pk for c in cases],
        change=BulkChange(op="macro", macro_id=macro.pk),
        now=now,
    )
    assert len(summary.changed) == 2
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"low"}
    assert AuditEvent.objects.filter(verb="macro_applied").count() == 2


def test_someone_elses_personal_macro_is_not_found(desk, now):
    macro = do_create_macro(actor=desk.lead, data=MacroData(title="Lena's", body="Hi"), now=now)
    case = open_case(desk, now)
    with pytest.raises(NotFound):
        do_bulk(
            actor=desk.agent,
            case_ids=[case.pk],
            change=BulkChange(op="macro", macro_id=macro.pk),
            now=now,
        )


def test_an_oversized_selection_is_refused_with_a_clear_error_and_nothing_changes(desk, now):
    case = open_case(desk, now)
    ids = [case.pk, *range(100_000, 100_000 + MAX_SELECTION)]
    with pytest.raises(InvalidInput) as refused:
        do_bulk(actor=desk.agent, case_ids=ids, change=BulkChange(op="close"), now=now)
    assert "at most 500" in refused.value.message
    assert refused.value.code == "selection_too_large"
    assert Ticket.objects.get(pk=case.pk).status != "closed"


@pytest.mark.parametrize(
    ("ids", "change"),
    [
        ([], BulkChange(op="close")),
        ("1,2", BulkChange(op="close")),
        (["1 OR 1=1"], BulkChange(op="close")),
        ([-1], BulkChange(op="close")),
        ([2**40], BulkChange(op="close")),
        ([False], BulkChange(op="close")),
        ([1], BulkChange(op="drop_table")),
        ([1], BulkChange(op="status", status="gone")),
        ([1], BulkChange(op="priority", priority="")),
        ([1], BulkChange(op="team")),
        ([1], BulkChange(op="team", team_id=999_999)),
        ([1], BulkChange(op="assign", assignee_id=999_999)),
        ([1], BulkChange(op="add_tags", tags="vip")),
        ([1], BulkChange(op="add_tags", tags=[])),
        ([1], BulkChange(op="add_tags", tags=[f"t{i}" for i in range(100)])),
        ([1], BulkChange(op="macro")),
    ],
)
def test_malformed_bulk_input_is_refused_before_any_case_changes(desk, now, ids, change):
    case = open_case(desk, now)
    ids = [case.pk if i == 1 else i for i in ids] if isinstance(ids, list) else ids
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        do_bulk(actor=desk.agent, case_ids=ids, change=change, now=now)
    assert AuditEvent.objects.count() == before
