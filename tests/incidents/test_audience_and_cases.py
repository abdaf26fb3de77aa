"""Choosing the audience (rules, CSV with malformed rows), linking new cases of affected
customers, closing them in bulk after the resolution, and the portal banner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core.errors import Conflict, DomainError
from caredesk.incidents import actions, audience
from caredesk.incidents.models import LinkedCase
from caredesk.records.models import Record, RecordLine
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import AuditEvent, Channel, Message, MessageKind, Status
from tests.conftest import make_customer

pytestmark = pytest.mark.django_db


def declare(desk, now, rule):
    return actions.do_declare_incident(
        actor=desk.lead,
        title="Deliveries late in the north",
        public_text="Our carrier is two days behind. Orders will arrive, later.",
        rule=rule,
        now=now,
    ).incident


def open_case(customer, now, subject="Where is my order?"):
    return ticket_actions.do_open_ticket(
        customer=customer, subject=subject, body="It did not come.", channel=Channel.PORTAL, now=now
    )


def test_rule_criteria_narrow_each_other_and_the_list_adds(desk, now):
    carol = make_customer("carol@acme.test", "Carol Acme", desk.acme)
    Record.objects.create(
        kind="subscription", external_id="S1", customer=desk.alice, attributes={"plan": "pro"}
    )
    Record.objects.create(
        kind="subscription", external_id="S2", customer=carol, attributes={"plan": "basic"}
    )
    order = Record.objects.create(kind="order", external_id="O1", customer=desk.bob)
    RecordLine.objects.create(record=order, product="Footstool")
    pro = audience.make_rule(
        organization_ids=[desk.acme.pk],
        record_kind="subscription",
        record_attributes={"plan": "pro"},
    )
    assert audience.customer_ids(pro) == [desk.alice.pk]
    assert audience.customer_ids(audience.make_rule(tiers=["vip"])) == sorted(
        [desk.alice.pk, carol.pk]
    )
    assert audience.customer_ids(audience.make_rule(tiers=["standard"])) == [desk.bob.pk]
    assert audience.customer_ids(audience.make_rule(products=["footstool"])) == [desk.bob.pk]
    with_list = audience.make_rule(tiers=["vip"], customer_ids=[desk.bob.pk])
    assert audience.count(with_list) == 3
    ticket = open_case(carol, now)
    ticket_actions.do_set_tags(ticket, actor=desk.agent, names=["delivery"], now=now)
    assert audience.customer_ids(audience.make_rule(tags=["Delivery"])) == [carol.pk]


def test_csv_with_malformed_rows_reports_them_and_imports_the_rest_only_when_confirmed(desk):
    data = (
        b"name,email\n"
        b"Alice,alice@acme.test\n"
        b"Nobody,not-an-address\n"
        b"Bob,BOB@small.test\n"
        b",\n"
        b"Ghost,ghost@nowhere.test\n"
        b"Short row\n"
    )
    with pytest.raises(DomainError) as refused:
        audience.csv_customers(data, confirm=False)
    assert refused.value.code == "csv_rows_malformed"
    rows = [(d["row"], d["message"]) for d in refused.value.details]
    assert rows == [
        (3, "'not-an-address' is not a mail address"),
        (6, "no customer has the address ghost@nowhere.test"),
        (7, "the email column is empty"),
    ]
    assert "row 3" in refused.value.message and "Confirm to import the other 2" in (
        refused.value.message
    )
    found = audience.csv_customers(data, confirm=True)
    assert found.customer_ids == sorted([desk.alice.pk, desk.bob.pk])


def test_csv_by_customer_id_and_without_header(desk):
    by_id = audience.csv_customers(f"customer_id\n{desk.bob.pk}\n", confirm=False)
    assert by_id.customer_ids == [desk.bob.pk]
    plain = audience.csv_customers(b"alice@acme.test\nbob@small.test\n", confirm=False)
    assert plain.customer_ids == sorted([desk.alice.pk, desk.bob.pk])
    bad_ids = audience.read_csv("customer_id\nabc\n-4\n999999\n")
    assert [e.row for e in bad_ids.errors] == [2, 3, 4]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xfe\x00bad", "csv_not_text"),
        (b"email\nalice@acme.test\x00\n", "csv_not_text"),
        (b"x" * 2_000_001, "csv_too_large"),
        (b"email\nnobody@x.test\n", "csv_no_customers"),
        ("email\n" + "a@b.test\n" * 50_001, "csv_too_many_rows"),
    ],
)
def test_hostile_csv_is_refused_clearly(desk, data, code):
    with pytest.raises(DomainError) as refused:
        audience.csv_customers(data, confirm=True)
    assert refused.value.code == code


def test_new_case_of_affected_customer_is_linked_and_answered_with_latest_update(desk, now):
    incident = declare(desk, now, audience.make_rule(customer_ids=[desk.alice.pk]))
    actions.do_post_update(
        incident, actor=desk.lead, body="The carrier caught up in Leeds.", essential=False, now=now
    )
    ticket = open_case(desk.alice, now + timedelta(minutes=5))
    link = LinkedCase.objects.get(ticket=ticket)
    assert link.incident == incident
    answer = Message.objects.get(pk=link.answer_message_id)
    assert answer.kind == MessageKind.REPLY and answer.ticket_id == ticket.pk
    assert "The carrier caught up in Leeds." in answer.body
    assert "Deliveries late in the north" in answer.body
    assert AuditEvent.objects.filter(ticket=ticket, verb="incident_linked", public=True).exists()
    # Bob is not affected: his case is neither linked nor answered.
    other = open_case(desk.bob, now)
    assert not LinkedCase.objects.filter(ticket=other).exists()
    assert other.messages.count() == 1


def test_no_link_after_resolution_and_closing_linked_cases_in_bulk(desk, now):
    incident = declare(desk, now, audience.make_rule(tiers=["vip", "standard"]))
    first = open_case(desk.alice, now)
    second = open_case(desk.bob, now)
    with pytest.raises(Conflict):
        actions.do_close_linked_cases(incident, actor=desk.lead, now=now)
    actions.do_resolve_incident(incident, actor=desk.lead, body="All delivered.", now=now)
    late = open_case(desk.alice, now + timedelta(hours=1))
    assert not LinkedCase.objects.filter(ticket=late).exists()
    closed = actions.do_close_linked_cases(incident, actor=desk.lead, now=now)
    assert sorted(t.pk for t in closed) == sorted([first.pk, second.pk])
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        change = AuditEvent.objects.get(ticket=ticket, verb="status_changed")
        assert (change.new_value, change.actor_id) == (Status.CLOSED, desk.lead.pk)
    late.refresh_from_db()
    assert late.status == Status.NEW  # not linked, not closed


def test_portal_banner_only_for_the_affected(desk, now, client):
    declare(desk, now, audience.make_rule(customer_ids=[desk.alice.pk]))
    client.force_login(desk.alice.user)
    page = client.get("/portal/cases/")
    assert b"Known problem: Deliveries late in the north" in page.content
    client.force_login(desk.bob.user)
    page = client.get("/portal/cases/")
    assert page.status_code == 200
    assert b"Known problem" not in page.content
