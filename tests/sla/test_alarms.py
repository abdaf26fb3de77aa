"""Warnings and breaches fire once, from the scheduled deadline task or the sweep, whichever
runs."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from caredesk.core import clock, deadlines
from caredesk.core.models import Notification
from caredesk.core.periodic import run_jobs
from caredesk.sla import actions as sla_actions
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Ticket
from tests.sla.conftest import open_case, sweep

M = timedelta(minutes=1)


def assigned_case(desk, now):
    ticket = open_case(desk, now)
    actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
    mail.outbox.clear()
    return ticket


def test_nothing_fires_before_the_warning_time(desk, now, policy):
    assigned_case(desk, now)
    fired = sweep(now + 44 * M)
    assert (fired.warnings, fired.breaches) == (0, 0)
    assert mail.outbox == []


def test_warning_reaches_the_assignee_once(desk, now, policy, monkeypatch):
    ticket = assigned_case(desk, now)
    fired = sweep(now + 45 * M)
    assert fired.warnings == 1
    assert [m.to for m in mail.outbox] == [["ada@desk.test"]]
    assert "75% of the first response time" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    notice = Notification.objects.get()
    assert notice.recipient_id == desk.agent.pk and notice.kind == "sla_warning"
    assert notice.ticket_id == ticket.pk and notice.read_at is None
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.sla_warned and row.sla_alarm_at == now + 60 * M
    # A restart, a retry, the scheduled task and the sweep together: still one warning.
    sweep(now + 46 * M)
    sla_actions.do_fire_alarms(ticket.pk, now + 47 * M)
    # The task reads the wall clock; hold it before the breach (due at now + 60 min).
    monkeypatch.setattr(clock, "now", lambda: now + 48 * M)
    deadlines.fire_deadlines.call("sla.alarm", [ticket.pk])
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_breach_escalates_to_the_team_lead_and_marks_the_case(desk, now, policy):
    ticket = assigned_case(desk, now)
    sweep(now + 45 * M)
    mail.outbox.clear()
    fired = sweep(now + 61 * M)
    assert fired.breaches == 1
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.sla_breached
    event = AuditEvent.objects.get(ticket=ticket, verb="sla_breached")
    assert not event.public
    assert event.new_value["target"] == "first response"
    assert event.new_value["escalated_to"] == "Lena Lead"
    recipients = sorted(m.to[0] for m in mail.outbox)
    # Staff are told, and the customer gets the honest update (P14, caredesk/sla/honest.py).
    assert recipients == ["ada@desk.test", "bob@small.test", "lena@desk.test"]
    # The lead hears of it once, through the escalation, not also from the SLA engine.
    assert Notification.objects.filter(recipient_id=desk.lead.pk, kind="sla_breach").count() == 0
    assert Notification.objects.filter(recipient_id=desk.lead.pk, kind="escalation").count() == 1
    # Next alarm is the resolution warning (75 % of 480 minutes).
    assert row.sla_alarm_at == now + 360 * M
    sweep(now + 62 * M)
    sla_actions.do_fire_alarms(ticket.pk, now + 63 * M)
    assert AuditEvent.objects.filter(ticket=ticket, verb="sla_breached").count() == 1
    assert len(mail.outbox) == 3


def test_long_outage_breach_skips_the_stale_warning(desk, now, policy):
    """A worker down past the deadline sends the breach, not a warning and then a breach."""
    assigned_case(desk, now)
    sweep(now + 90 * M)
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == ["escalation", "sla_breach"]  # the lead's through the escalation


def test_met_target_never_fires(desk, now, policy):
    ticket = assigned_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Done", now=now + 10 * M, status_after="open")
    fired = sweep(now + 70 * M)
    assert fired.breaches == 0 and fired.warnings == 0


def test_paused_case_does_not_breach_while_waiting_on_the_customer(desk, now, policy):
    ticket = assigned_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="Which invoice?", now=now + 10 * M)
    assert sweep(now + 10 * 24 * 60 * M).breaches == 0


def test_unassigned_case_warns_the_team_lead(desk, now, policy):
    open_case(desk, now)
    sweep(now + 45 * M)
    assert Notification.objects.get().recipient_id == desk.lead.pk


def test_case_without_team_breaches_without_anyone_to_notify(desk, now, policy):
    ticket = open_case(desk, now, team=None)
    assert sweep(now + 61 * M).breaches == 1
    assert Ticket.objects.get(pk=ticket.pk).sla_breached
    # No SLA notice (the escalation the breach opens tells its own owner).
    assert not Notification.objects.filter(kind__startswith="sla_").exists()


def test_deadline_alarm_is_scheduled_with_run_after(desk, now, policy, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = deadlines.fire_deadlines.get_backend()
    ticket = open_case(desk, now)
    scheduled = [r for r in backend.results if r.task.name == "fire_deadlines"]
    assert [(r.args, r.task.run_after) for r in scheduled] == [
        (["sla.alarm", [ticket.pk]], now + 45 * M)
    ]


def test_cases_opened_together_share_one_alarm_task(desk, now, policy, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = deadlines.fire_deadlines.get_backend()
    cases = [
        actions.NewCase(desk.bob, f"Invoice {n}", "Charged twice.", "portal", team=desk.billing)
        for n in range(3)
    ]
    opened = actions.do_open_tickets(cases, now=now)
    scheduled = [r for r in backend.results if r.task.name == "fire_deadlines"]
    assert [(r.args, r.task.run_after) for r in scheduled] == [
        (["sla.alarm", [o.ticket.pk for o in opened]], now + 45 * M)
    ]


def test_sweep_runs_in_the_heartbeat(desk, now, policy):
    ticket = open_case(desk, now)
    outcome = run_jobs(now + 61 * M)
    assert outcome["caredesk.core.deadlines.sweep"].startswith("ok: sla.alarm: 1")
    assert Ticket.objects.get(pk=ticket.pk).sla_breached


def test_cli_sweep(desk, now, policy, capsys):
    from caredesk.cli import main

    assert main(["sla", "sweep"]) == 0
    assert "SLA sweep fired" in capsys.readouterr().out
