"""Splitting a message into a new case, and links between cases (related, duplicate,
parent/child) with resolving a problem's incidents."""

from __future__ import annotations

import pytest

from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from caredesk.tickets.links import do_link_cases, do_resolve_children, do_unlink_cases, links_of
from caredesk.tickets.merge import do_split_message
from caredesk.tickets.models import CaseLink, Channel, LinkKind, MessageKind, Status, Ticket


def open_case(customer, now, subject="Parcel", body="Where is my parcel?"):
    return actions.do_open_ticket(
        customer=customer, subject=subject, body=body, channel=Channel.PORTAL, now=now
    )


@pytest.fixture
def case_with_two_asks(desk, now):
    ticket = open_case(desk.alice, now)
    second = actions.do_add_customer_message(
        ticket,
        customer=desk.alice,
        body="Also: my invoice is wrong.",
        channel=Channel.PORTAL,
        now=now,
    )
    return ticket, second


def test_split_moves_the_message_to_a_new_case_with_its_words_pinned(desk, now, case_with_two_asks):
    ticket, second = case_with_two_asks
    new = do_split_message(ticket, second.pk, actor=desk.agent, now=now, subject="Invoice")
    assert new.original_request == "Also: my invoice is wrong."
    assert new.customer == desk.alice and new.subject == "Invoice"
    assert list(new.messages.values_list("pk", flat=True)) == [second.pk]
    ticket.refresh_from_db()
    assert ticket.message_count == 1 and ticket.messages.count() == 1
    assert ticket.events.filter(verb="split", public=True).exists()
    assert new.events.filter(verb="split_from").exists() and new.events.filter(verb="created")
    link = CaseLink.objects.get()
    assert {link.source_id, link.target_id} == {ticket.pk, new.pk} and link.kind == "related"


def test_split_refusals_leave_everything_in_place(desk, now, case_with_two_asks):
    ticket, second = case_with_two_asks
    first = ticket.messages.order_by("pk").first()
    reply = actions.do_reply(ticket, agent=desk.agent, body="On it", now=now)
    other = open_case(desk.bob, now)
    for message_id, code in (
        (first.pk, "original_request"),
        (reply.pk, "not_customer"),
        (other.messages.get().pk, "invalid_message"),
        (10**12, "invalid_message"),
    ):
        with pytest.raises(DomainError) as info:
            do_split_message(ticket, message_id, actor=desk.agent, now=now)
        assert info.value.code == code
    with pytest.raises(DomainError):
        do_split_message(ticket, "1; DROP TABLE", actor=desk.agent, now=now)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        do_split_message(ticket, second.pk, actor=desk.agent, now=now, subject="x" * 300)
    with pytest.raises(PermissionDenied):
        do_split_message(ticket, second.pk, actor=desk.alice.user, now=now)
    assert Ticket.objects.count() == 2 and ticket.messages.count() == 3


def test_links_are_audited_on_both_and_refuse_duplicates_and_self(desk, now):
    a, b = open_case(desk.alice, now), open_case(desk.bob, now)
    link = do_link_cases(b, a, kind=LinkKind.RELATED, actor=desk.agent, now=now)
    assert (link.source_id, link.target_id) == (a.pk, b.pk)  # related: stored once
    assert a.events.filter(verb="linked").exists() and b.events.filter(verb="linked").exists()
    with pytest.raises(Conflict):
        do_link_cases(a, b, kind=LinkKind.DUPLICATE, actor=desk.agent, now=now)
    with pytest.raises(DomainError):
        do_link_cases(a, a, kind=LinkKind.RELATED, actor=desk.agent, now=now)
    with pytest.raises(DomainError):
        do_link_cases(a, b, kind="<script>", actor=desk.agent, now=now)
    assert [x.pk for x in links_of(a)] == [link.pk]
    do_unlink_cases(link, actor=desk.agent, now=now)
    assert not CaseLink.objects.exists()
    assert a.events.filter(verb="unlinked").exists() and b.events.filter(verb="unlinked").exists()


def test_an_incident_has_one_problem(desk, now):
    problem, other, incident = (open_case(desk.alice, now) for _ in range(3))
    do_link_cases(problem, incident, kind=LinkKind.PARENT, actor=desk.agent, now=now)
    with pytest.raises(Conflict) as info:
        do_link_cases(other, incident, kind=LinkKind.PARENT, actor=desk.agent, now=now)
    assert info.value.code == "has_parent"
    with pytest.raises(Conflict) as info:
        do_link_cases(other, problem, kind=LinkKind.PARENT, actor=desk.agent, now=now)
    assert info.value.code == "nested_problem"


def test_resolving_the_problem_resolves_the_incidents_and_tells_their_customers(desk, now):
    problem = open_case(desk.alice, now, subject="Outage")
    incidents = [open_case(desk.alice, now), open_case(desk.bob, now)]
    for incident in incidents:
        do_link_cases(problem, incident, kind=LinkKind.PARENT, actor=desk.agent, now=now)
    done_already = open_case(desk.bob, now)
    do_link_cases(problem, done_already, kind=LinkKind.PARENT, actor=desk.agent, now=now)
    actions.do_change_status(done_already, actor=desk.agent, status=Status.CLOSED, now=now)
    result = do_resolve_children(problem, actor=desk.manager, body="The outage is fixed.", now=now)
    assert sorted(t.pk for t in result.resolved) == sorted(t.pk for t in incidents)
    for incident in incidents:
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED
        reply = incident.messages.get(kind=MessageKind.REPLY)
        assert reply.body == "The outage is fixed." and reply.author_user == desk.manager
        assert OutboundEmail.objects.filter(message_id=reply.pk, kind="reply").exists()
        assert incident.events.filter(verb="replied").exists()
    assert problem.events.get(verb="children_resolved").actor == desk.manager


def test_resolving_incidents_skips_the_ones_the_agent_cannot_see(desk, now):
    problem = open_case(desk.alice, now)
    hidden = open_case(desk.bob, now)
    actions.do_assign(hidden, actor=desk.lead, assignee=None, team=desk.delivery, now=now)
    do_link_cases(problem, hidden, kind=LinkKind.PARENT, actor=desk.manager, now=now)
    result = do_resolve_children(problem, actor=desk.agent, body="Fixed", now=now)
    assert result.resolved == [] and result.refused == [(hidden.pk, "not visible to you")]
    assert Ticket.objects.get(pk=hidden.pk).status != Status.RESOLVED
    with pytest.raises(DomainError):
        do_resolve_children(problem, actor=desk.agent, body="   ", now=now)
