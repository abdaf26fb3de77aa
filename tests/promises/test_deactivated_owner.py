"""A deactivated person's promises are not left to be missed: deactivation marks them
away, and the away handover gives each open promise to their lead before it falls due."""

from __future__ import annotations

from caredesk.accounts.actions import do_deactivate_staff, do_reactivate_staff
from caredesk.promises.models import State
from tests.promises.conftest import later, promise, sweep


def test_a_deactivated_owners_promise_goes_to_the_lead(desk, case, now, frozen):
    soon = promise(case, desk.agent, now, hours=0.75)
    do_deactivate_staff(desk.agent, actor=desk.admin, now=now)
    desk.agent.refresh_from_db()
    assert not desk.agent.is_active and desk.agent.is_away
    assert sweep(later(now, minutes=1)).handovers == 1
    soon.refresh_from_db()
    assert soon.owner == desk.lead and soon.state == State.OPEN
    # The case itself went back to the team queue.
    case.refresh_from_db()
    assert case.assignee_id is None and case.team_id == desk.billing.pk
    do_reactivate_staff(desk.agent, actor=desk.admin, now=now)
    desk.agent.refresh_from_db()
    assert desk.agent.is_active and not desk.agent.is_away
