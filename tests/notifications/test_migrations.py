"""Upgrading a desk with mail and notices in it: the outbox's rows survive the move to
core, and the old SLA and promise notices become notifications. Runs on SQLite and on
PostgreSQL (whichever DATABASE_URL names)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from caredesk.core.models import AutoReplyLog, EmailLink, MailTemplate, Notification, OutboundEmail
from caredesk.promises.actions import PromiseDraft, do_make_promise
from caredesk.tickets import actions
from caredesk.tickets.models import Channel

BEFORE = [
    ("email", "0003_drop_duplicate_indexes"),
    ("core", "0001_initial"),
    ("sla", "0001_initial"),
    ("promises", "0001_initial"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


# Migrating backwards and forwards needs the schema editor, which SQLite refuses inside the
# rolled-back transaction of a plain test: real commits here.
@pytest.mark.django_db(transaction=True)
def test_upgrade_keeps_mail_rows_and_turns_notices_into_notifications(desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice, subject="Parcel", body="Where?", channel=Channel.PORTAL, now=now
    )
    reply = actions.do_reply(ticket, agent=desk.agent, body="On its way.", now=now)
    promise = do_make_promise(
        ticket,
        actor=desk.agent,
        draft=PromiseDraft(kind="callback", text="Call back", due_at=now + timedelta(hours=3)),
        now=now,
    )
    sent = OutboundEmail.objects.get(message_id=reply.pk)
    link = EmailLink.objects.get(message_id=reply.pk)

    old = migrate(BEFORE)
    OldTemplate = old.get_model("email", "MailTemplate")
    OldTemplate.objects.create(
        name="handoff", text="Yours: {{ ticket.reference }}", updated_by_id=desk.admin.pk
    )
    old.get_model("email", "AutoReplyLog").objects.create(
        address="bob@small.test", last_sent_at=now, count=2
    )
    old.get_model("sla", "SlaNotification").objects.create(
        user_id=desk.lead.pk,
        ticket_id=ticket.pk,
        kind="breach",
        text="the first response target was missed",
        created_at=now,
        read_at=now,
    )
    old.get_model("promises", "PromiseNotice").objects.create(
        user_id=desk.agent.pk,
        promise_id=promise.pk,
        kind="missed",
        text="your promise was missed",
        created_at=now,
    )
    old_row = old.get_model("email", "OutboundEmail").objects.get(pk=sent.pk)
    assert old_row.message_id == reply.pk and old_row.ticket_id == ticket.pk

    migrate(latest())

    row = OutboundEmail.objects.get(pk=sent.pk)
    assert (row.message_id, row.ticket_id, row.rfc_message_id) == (
        reply.pk,
        ticket.pk,
        sent.rfc_message_id,
    )
    assert EmailLink.objects.get(pk=link.pk).ticket_id == ticket.pk
    template = MailTemplate.objects.get(name="handoff")
    assert template.updated_by_id == desk.admin.pk and template.text.startswith("Yours")
    assert AutoReplyLog.objects.get(address="bob@small.test").count == 2
    breach = Notification.objects.get(kind="sla_breach")
    assert breach.recipient_id == desk.lead.pk and breach.ticket_id == ticket.pk
    assert breach.read_at == now and breach.subject == f"[{ticket.reference}] SLA breach: Parcel"
    missed = Notification.objects.get(kind="promise_missed")
    assert missed.recipient_id == desk.agent.pk and missed.read_at is None
    assert missed.link == f"/cases/{ticket.pk}/#promise-{promise.pk}"
    tables = connection.introspection.table_names()
    assert "sla_slanotification" not in tables and "promises_promisenotice" not in tables
    # Mail still flows after the upgrade, into the same table.
    actions.do_reply(ticket, agent=desk.agent, body="Delivered.", now=now)
    assert OutboundEmail.objects.filter(ticket_id=ticket.pk, kind="reply").count() == 2
