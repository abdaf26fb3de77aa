"""Declaring an incident, posting updates, resolving it: every affected customer is told
once, through the outbox; a retry never duplicates; unsubscribed customers get only the
essential updates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.models import Event, OutboundEmail
from caredesk.customers.models import Organization, Tier
from caredesk.incidents import actions, audience, fanout, links
from caredesk.incidents.models import Affected, Incident, IncidentUpdate, Notice, OptOut
from tests.incidents.conftest import many_customers

pytestmark = pytest.mark.django_db


def incident_mail():
    return OutboundEmail.objects.filter(subject__contains="Checkout down")


def declare(desk, now, rule, **kw):
    return actions.do_declare_incident(
        actor=kw.pop("actor", desk.lead),
        title=kw.pop("title", "Checkout down"),
        public_text=kw.pop("text", "Payments fail at checkout. We are on it."),
        rule=rule,
        now=now,
    )


def test_update_to_1000_customers_makes_1000_outbox_rows_and_no_duplicates_on_retry(desk, now):
    big = Organization.objects.create(name="Big Co", tier=Tier.PRIORITY)
    many_customers(1000, big)
    declared = declare(desk, now, audience.make_rule(organization_ids=[big.pk]))
    assert declared.incident.audience_count == 1000
    assert incident_mail().count() == 1000  # the declaration, fanned out after commit
    update = actions.do_post_update(
        declared.incident,
        actor=desk.lead,
        body="Fixed for cards; PayPal next.",
        essential=False,
        now=now + timedelta(hours=1),
    )
    assert OutboundEmail.objects.count() - 1000 == 1000
    assert Notice.objects.filter(update=update).count() == 1000
    # A retry (the task ran twice, or a worker died after some batches and the task was
    # run again) queues nothing more.
    IncidentUpdate.objects.filter(pk=update.pk).update(fanned_out_at=None)
    again = fanout.fan_out(update.pk, now + timedelta(hours=1, minutes=5))
    assert again.mailed == 0
    assert OutboundEmail.objects.count() == 2000
    assert len(set(OutboundEmail.objects.values_list("to", "text"))) == 2000
    update.refresh_from_db()
    assert update.mailed == 1000 and update.fanned_out_at is not None


def test_mail_is_automatic_rate_limited_and_carries_unsubscribe_link_when_not_essential(
    desk, now, settings
):
    settings.CAREDESK_INCIDENT_MAILS_PER_MINUTE = 100
    big = Organization.objects.create(name="Big Co")
    many_customers(250, big)
    declared = declare(desk, now, audience.make_rule(organization_ids=[big.pk]))
    rows = list(incident_mail().order_by("next_attempt_at", "pk"))
    assert rows[0].headers["Auto-Submitted"] == "auto-generated"
    # 100 a minute: the outbox sweep sends the third hundred two minutes later.
    first = rows[0].next_attempt_at
    assert {r.next_attempt_at - first for r in rows} == {
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=2),
    }
    assert "unsubscribe" not in rows[0].text  # the declaration is essential
    actions.do_post_update(
        declared.incident, actor=desk.lead, body="Still on it.", essential=False, now=now
    )
    later = OutboundEmail.objects.filter(text__contains="Still on it.").first()
    assert later is not None and "/portal/incidents/unsubscribe/" in later.text
    assert "Checkout down" in later.subject


def test_unsubscribed_customer_gets_essential_updates_only(desk, now):
    rule = audience.make_rule(customer_ids=[desk.alice.pk, desk.bob.pk])
    declared = declare(desk, now, rule)
    assert actions.do_unsubscribe(desk.alice, now=now) is True
    assert actions.do_unsubscribe(desk.alice, now=now) is False  # once
    actions.do_post_update(
        declared.incident,
        actor=desk.lead,
        body="Minor: slower than usual.",
        essential=False,
        now=now,
    )
    minor = OutboundEmail.objects.filter(text__contains="slower than usual")
    assert list(minor.values_list("to", flat=True)) == ["bob@small.test"]
    actions.do_post_update(
        declared.incident,
        actor=desk.lead,
        body="Card data safe: nothing to do.",
        essential=True,
        now=now,
    )
    essential = OutboundEmail.objects.filter(text__contains="Card data safe")
    assert sorted(essential.values_list("to", flat=True)) == ["alice@acme.test", "bob@small.test"]
    actions.do_resolve_incident(declared.incident, actor=desk.lead, body="All fixed.", now=now)
    resolved = OutboundEmail.objects.filter(subject__startswith="Resolved: Checkout down")
    assert resolved.count() == 2
    assert Event.objects.filter(kind="incident.unsubscribed").count() == 1


def test_empty_audience_is_refused_with_a_clear_error_and_nothing_written(desk, now):
    nobody = Organization.objects.create(name="Empty Org")
    with pytest.raises(DomainError) as refused:
        declare(desk, now, audience.make_rule(organization_ids=[nobody.pk]))
    assert refused.value.code == "empty_audience"
    assert "matches no customer" in refused.value.message
    with pytest.raises(DomainError):
        declare(desk, now, audience.make_rule())  # no criterion is not "everyone"
    assert not Incident.objects.exists() and not OutboundEmail.objects.exists()


def test_only_leads_and_above_declare_update_and_resolve(desk, now):
    rule = audience.make_rule(customer_ids=[desk.alice.pk])
    with pytest.raises(PermissionDenied):
        declare(desk, now, rule, actor=desk.agent)
    declared = declare(desk, now, rule, actor=desk.manager)
    with pytest.raises(PermissionDenied):
        actions.do_post_update(
            declared.incident, actor=desk.agent, body="x", essential=False, now=now
        )
    with pytest.raises(PermissionDenied):
        actions.do_resolve_incident(declared.incident, actor=desk.agent, body="x", now=now)
    actions.do_resolve_incident(declared.incident, actor=desk.admin, body="Done.", now=now)
    with pytest.raises(Conflict):
        actions.do_post_update(
            declared.incident, actor=desk.lead, body="late", essential=False, now=now
        )


def test_each_step_is_an_event_for_the_webhooks(desk, now):
    declared = declare(desk, now, audience.make_rule(tiers=["vip"]))
    assert list(Affected.objects.values_list("customer_id", flat=True)) == [desk.alice.pk]
    actions.do_post_update(declared.incident, actor=desk.lead, body="u", essential=False, now=now)
    actions.do_resolve_incident(declared.incident, actor=desk.lead, body="r", now=now)
    kinds = list(Event.objects.filter(kind__startswith="incident.").values_list("kind", flat=True))
    assert kinds == ["incident.declared", "incident.updated", "incident.resolved"]
    declared_event = Event.objects.get(kind="incident.declared")
    assert declared_event.data["new"]["incident"] == declared.incident.pk


def test_hostile_and_oversized_input_is_refused(desk, now):
    rule = audience.make_rule(customer_ids=[desk.alice.pk])
    with pytest.raises(DomainError):
        declare(desk, now, rule, title="x" * 201)
    with pytest.raises(DomainError):
        declare(desk, now, rule, text="\x00\x01  ")
    with pytest.raises(DomainError):
        declare(desk, now, rule, text="y" * 5001)
    with pytest.raises(DomainError):
        audience.make_rule(record_attributes={"plan__contains": "pro"})  # no lookup injection
    with pytest.raises(DomainError):
        audience.make_rule(tiers=["platinum"])
    with pytest.raises(DomainError):
        audience.make_rule(customer_ids=["1; DROP TABLE"])
    with pytest.raises(DomainError):
        audience.make_rule(tags=["t"] * 0 + [f"t{i}" for i in range(101)])
    assert not Incident.objects.exists()


def test_unsubscribe_link_is_signed_per_customer(desk):
    token = links.make_token(desk.alice.pk)
    assert links.read_token(token) == desk.alice.pk
    with pytest.raises(links.BadLink):
        links.read_token(token[:-2] + "xx")
    assert not OptOut.objects.exists()


def test_bulk_mail_escapes_once_and_follows_the_admins_template(desk, now):
    from caredesk.core.models import MailTemplate
    from caredesk.core.outbox import queue_many

    MailTemplate.objects.create(
        name="incident_update",
        subject="Notice: {{ incident.title }}",
        text="Hi {{ customer_name }}",
    )
    hostile = "O'Brien <b>&</b>"
    rows = queue_many(
        "incident_update",
        [("x@ext.test", {"incident": {"title": hostile}, "customer_name": hostile}, now)],
        now=now,
    )
    row = OutboundEmail.objects.get(pk=rows[0].pk)
    assert row.subject == f"Notice: {hostile}" and row.text == f"Hi {hostile}"
    assert "O&#x27;Brien &lt;b&gt;&amp;&lt;/b&gt;" in row.html and "&amp;lt;" not in row.html


def test_webhook_endpoints_get_the_incident_events(desk, now, settings):
    from caredesk.channels.webhooks import actions as webhook_actions
    from caredesk.channels.webhooks.models import Delivery

    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = True
    webhook_actions.do_create_endpoint(
        actor=desk.admin, url="http://127.0.0.1:9/hook", events=["incident.*"], now=now
    )
    # Nothing listens on port 9: the attempts fail and wait for their retry.
    declared = declare(desk, now, audience.make_rule(customer_ids=[desk.alice.pk]))
    actions.do_resolve_incident(declared.incident, actor=desk.lead, body="Done.", now=now)
    kinds = list(Delivery.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["incident.declared", "incident.resolved"]
