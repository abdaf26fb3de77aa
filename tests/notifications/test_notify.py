"""Telling someone: each event gives exactly one notice to the right person, routed to the
app and/or mail as they prefer, with hostile content shown as text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from caredesk.core import notification_prefs
from caredesk.core.actions import do_save_notification_preferences
from caredesk.core.errors import DomainError
from caredesk.core.models import Notification
from caredesk.core.notifications import notify
from caredesk.escalations import actions as escalation_actions
from caredesk.tickets import actions
from tests.notifications.conftest import open_case
from tests.promises.conftest import promise
from tests.promises.conftest import sweep as promise_sweep
from tests.sla.conftest import sweep as sla_sweep

M = timedelta(minutes=1)


def assigned_case(desk, now, **kw):
    ticket = open_case(desk, now, **kw)
    return actions.do_assign(
        ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now
    )


def notices(user, kind=None):
    qs = Notification.objects.filter(recipient_id=user.pk)
    return list(qs.filter(kind=kind) if kind else qs)


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_missed_promise_tells_the_owner_and_the_lead_once_each(desk, now, frozen):
    ticket = assigned_case(desk, now)
    p = promise(ticket, desk.agent, now, hours=3, text="Call back about the refund")
    Notification.objects.all().delete()  # the reminder, and anything before
    at = p.due_at + M
    frozen.set(at)
    for _ in range(2):  # a rerun of the sweep tells nobody twice
        promise_sweep(at)
    [escalated] = notices(desk.lead, "promise_escalated")
    [missed] = notices(desk.agent, "promise_missed")
    assert not notices(desk.lead, "promise_missed") and not notices(desk.agent, "promise_escalated")
    assert ticket.reference in escalated.subject and "Call back about the refund" in escalated.body
    assert (
        escalated.ticket_id == ticket.pk and escalated.link == f"/cases/{ticket.pk}/#promise-{p.pk}"
    )
    assert missed.read_at is None


def test_an_sla_breach_tells_the_lead_and_the_assignee_once_each(desk, now, policy):
    ticket = assigned_case(desk, now)
    sla_sweep(now + 45 * M)
    Notification.objects.all().delete()
    mail.outbox.clear()
    for _ in range(2):
        sla_sweep(now + 61 * M)
    # The lead through the escalation (one notice per group of breaches), the agent
    # from the SLA engine; never both mechanisms for the lead.
    assert not notices(desk.lead, "sla_breach")
    [to_lead] = notices(desk.lead, "escalation")
    [to_agent] = notices(desk.agent, "sla_breach")
    assert "Escalated to you" in to_lead.subject and "escalated to you" not in to_agent.body
    assert to_lead.ticket_id == ticket.pk == to_agent.ticket_id
    # Both by mail too (the default for SLA notices), once each.
    assert len(mails_to(desk.lead)) == 1 and len(mails_to(desk.agent)) == 1
    assert mails_to(desk.lead)[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_an_approval_request_tells_the_approver_once(desk, now, types):
    ticket = open_case(desk, now)
    outcome = escalation_actions.do_request_goodwill(
        ticket,
        agent=desk.agent,
        action_type=types["refund"],
        amount="120",
        reason="Charged twice; the bank statement shows both payments.",
        now=now,
    )
    assert outcome.approval.approver == desk.lead
    [asked] = notices(desk.lead, "approval")
    assert "Approval needed" in asked.subject and "bank statement" in asked.body
    assert not notices(desk.agent, "approval") and not notices(desk.manager, "approval")
    assert len([m for m in mails_to(desk.lead) if "Approval needed" in m.subject]) == 1


def test_preferences_route_mail_and_the_app(desk, now, policy):
    do_save_notification_preferences(desk.agent, {"sla_warning": "in_app"}, 0, now)
    do_save_notification_preferences(desk.lead, {"sla_warning": "email"}, 0, now)
    mail.outbox.clear()
    assigned_case(desk, now)
    open_case(desk, now)  # unassigned: its warning goes to the lead
    mail.outbox.clear()
    sla_sweep(now + 45 * M)
    [in_app] = notices(desk.agent, "sla_warning")
    assert in_app.read_at is None and mails_to(desk.agent) == []
    [by_mail] = notices(desk.lead, "sla_warning")
    # Email only: mailed, and kept in the history as read (no unread badge for it).
    assert by_mail.read_at is not None and by_mail.emailed_at is not None
    assert len(mails_to(desk.lead)) == 1


def test_preferences_refuse_unknown_kinds_deliveries_and_intervals(desk, now):
    for deliveries, hours, code in (
        ({"no_such_kind": "both"}, 0, "unknown_kind"),
        ({"mention": "carrier-pigeon"}, 0, "bad_delivery"),
        ({"mention": "both"}, 5, "bad_digest"),
        ({}, 10_000, "bad_digest"),
    ):
        with pytest.raises(DomainError) as err:
            do_save_notification_preferences(desk.agent, deliveries, hours, now)
        assert err.value.code == code
    assert notification_prefs.preferences(desk.agent.pk).digest_hours == 0


def test_notify_keeps_input_to_size_and_refuses_foreign_links(desk, now):
    row = notify(
        desk.agent,
        "mention",
        subject="line one\r\nBcc: x@evil.test " + "x" * 400,
        body="b" * 30_000,
        now=now,
    )
    assert "\n" not in row.subject and len(row.subject) == 255 and row.subject.endswith("…")
    assert len(row.body) == 20_000
    for link in ("https://evil.test/", "//evil.test/x", "javascript:alert(1)", "/a b"):
        with pytest.raises(ValueError):
            notify(desk.agent, "mention", subject="x", now=now, link=link)
    with pytest.raises(ValueError):
        notify(desk.agent, "no_such_kind", subject="x", now=now)
    # Nobody, or someone who left: nothing.
    assert notify(None, "mention", subject="x", now=now) is None
    desk.other_agent.is_active = False
    assert notify(desk.other_agent, "mention", subject="x", now=now) is None


def test_the_digest_sends_one_mail_with_every_unread_notice_and_not_again(desk, now):
    do_save_notification_preferences(desk.lead, {}, 4, now)
    mail.outbox.clear()
    for n in range(3):
        notify(
            desk.lead,
            "mention",
            subject=f"Notice {n} <b>&</b>",
            now=now + n * M,
            link=f"/cases/{n + 1}/",
        )
    read = notify(desk.lead, "mention", subject="Already read", now=now)
    Notification.objects.filter(pk=read.pk).update(read_at=now)
    in_app_only = notify(desk.lead, "sla_assigned", subject="Not by mail", now=now)
    assert mails_to(desk.lead) == []  # waiting for the digest
    assert notification_prefs.send_digests(now + timedelta(hours=3)) == "no digests due"
    assert mails_to(desk.lead) == []
    later = now + timedelta(hours=4)
    assert notification_prefs.send_digests(later) == "1 digests"
    [digest] = mails_to(desk.lead)
    assert digest.subject == "3 unread notifications on caredesk"
    assert [line for line in digest.body.splitlines() if line.startswith("* ")] == [
        "* Notice 2 <b>&</b>",
        "* Notice 1 <b>&</b>",
        "* Notice 0 <b>&</b>",
    ]
    assert "Already read" not in digest.body and in_app_only.subject not in digest.body
    html = next(c for c, kind in digest.alternatives if kind == "text/html")
    assert "Notice 0 &lt;b&gt;&amp;&lt;/b&gt;" in html and "&amp;lt;" not in html
    # A rerun, a second worker, the next interval with nothing new: no second mail.
    notification_prefs.send_digests(later)
    notification_prefs.send_digests(later + timedelta(hours=4))
    assert len(mails_to(desk.lead)) == 1
    # New notices wait for the next digest.
    notify(desk.lead, "mention", subject="Notice 3", now=later + timedelta(hours=5))
    notification_prefs.send_digests(later + timedelta(hours=8))
    assert len(mails_to(desk.lead)) == 2 and "Notice 3" in mails_to(desk.lead)[1].body


def test_a_change_of_choices_is_audited_and_a_resave_is_not(desk, now):
    from caredesk.core.models import Event

    do_save_notification_preferences(desk.agent, {"sla_warning": "email"}, 4, now)
    do_save_notification_preferences(desk.agent, {"sla_warning": "email"}, 4, now)  # unchanged
    (event,) = Event.objects.filter(kind="notification_preferences.changed")
    assert event.actor_id == desk.agent.pk
    assert event.data["old"] == {"deliveries": {}, "digest_hours": 0}
    assert event.data["new"] == {"deliveries": {"sla_warning": "email"}, "digest_hours": 4}
