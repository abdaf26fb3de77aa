"""A missed promise escalates the case: the escalation has an owner and a deadline (P1, P8)."""

from __future__ import annotations

from caredesk.escalations.models import Escalation

from .conftest import later, promise, sweep


def test_missed_promise_opens_one_escalation_to_the_lead(desk, case, now):
    promise(case, desk.agent, now, hours=2, text="Call Alice back about the van")
    sweep(later(now, hours=3))
    sweep(later(now, hours=3, minutes=1))  # a second run, as after a restart
    escalation = Escalation.objects.get(ticket=case)
    assert escalation.owner == desk.lead
    assert "Call Alice back about the van" in escalation.reason
    assert escalation.due_at > later(now, hours=3)


def test_kept_promise_opens_no_escalation(desk, case, now):
    from caredesk.channels.phone.actions import do_log_call

    promise(case, desk.agent, now, hours=2)
    do_log_call(
        case,
        agent=desk.agent,
        direction="outbound",
        number="+44 20 7946 0000",
        duration_seconds=120,
        outcome="reached",
        notes="",
        now=later(now, hours=1),
    )
    sweep(later(now, hours=3))
    assert not Escalation.objects.filter(ticket=case).exists()
