from __future__ import annotations

import pytest

from caredesk.core.errors import NotFound
from caredesk.tickets import actions
from caredesk.tickets.access import access_ticket, visible_tickets
from caredesk.tickets.models import Channel
from caredesk.tickets.search import search_tickets

from .conftest import make_customer


@pytest.fixture
def cases(desk, now):
    shower = actions.do_open_ticket(
        customer=desk.alice,
        subject="Return the shower seat",
        channel=Channel.EMAIL,
        now=now,
        body="I want to return the shower seat I bought last week.",
        team=desk.billing,
    )
    delivery = actions.do_open_ticket(
        customer=desk.bob,
        subject="Missed delivery window",
        channel=Channel.PORTAL,
        now=now,
        body="Nobody came between 8 and 12 although I took the morning off.",
        team=desk.delivery,
    )
    actions.do_add_note(
        delivery, agent=desk.manager, body="Driver logged a flat tyre; secretword", now=now
    )
    return shower, delivery


def test_staff_see_their_teams_unteamed_and_assigned_cases(desk, cases):
    shower, delivery = cases
    assert set(visible_tickets(desk.agent)) == {shower}
    assert set(visible_tickets(desk.other_agent)) == {delivery}
    assert set(visible_tickets(desk.manager)) == {shower, delivery}
    with pytest.raises(NotFound):
        access_ticket(desk.agent, delivery.pk)


def test_customers_see_only_their_cases_unless_the_organization_shares(desk, cases, now):
    shower, delivery = cases
    colleague = make_customer("carol@acme.test", "Carol Acme", desk.acme)
    assert list(visible_tickets(colleague.user)) == []
    with pytest.raises(NotFound):
        access_ticket(colleague.user, shower.pk)
    desk.acme.shared_cases = True
    desk.acme.save()
    colleague.user.refresh_from_db()
    assert list(visible_tickets(colleague.user)) == [shower]
    with pytest.raises(NotFound):
        access_ticket(desk.alice.user, delivery.pk)


@pytest.mark.parametrize("bogus", [0, -1, 10**30, "abc", None])
def test_bogus_ids_are_not_found(desk, cases, bogus):
    with pytest.raises(NotFound):
        access_ticket(desk.manager, bogus)


def test_search_ranks_and_respects_access(desk, cases):
    shower, delivery = cases
    assert search_tickets(desk.manager, "shower seat").tickets == [shower]
    assert search_tickets(desk.manager, "delivery").tickets == [delivery]
    # Agents of another team never find the case.
    assert search_tickets(desk.agent, "delivery").total == 0
    # Stemming: "returns" finds "return".
    assert search_tickets(desk.manager, "returns").tickets == [shower]


def test_customers_never_match_internal_notes(desk, cases):
    _shower, delivery = cases
    assert search_tickets(desk.manager, "secretword").tickets == [delivery]
    assert search_tickets(desk.bob.user, "secretword").total == 0
    assert search_tickets(desk.bob.user, "morning").tickets == [delivery]
    assert search_tickets(desk.alice.user, "morning").total == 0


def test_search_by_reference_jumps_to_the_case(desk, cases):
    shower, _ = cases
    assert search_tickets(desk.manager, shower.reference).tickets == [shower]
    assert search_tickets(desk.bob.user, shower.reference).total == 0


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        'shower" OR "1"="1',
        "NEAR(",
        "*",
        "a" * 5000,
        "\x00",
        "); DROP TABLE x; --",
        "title:shower",
        "-",
        "^^^",
        "🚿 seat",
    ],
)
def test_hostile_queries_never_crash(desk, cases, query):
    page = search_tickets(desk.manager, query)
    assert page.total >= 0


def test_search_paginates(desk, now):
    for i in range(25):
        actions.do_open_ticket(
            customer=desk.alice,
            subject=f"Invoice question {i}",
            body="invoice",
            channel=Channel.API,
            now=now,
        )
    first = search_tickets(desk.manager, "invoice", page=1, per_page=10)
    third = search_tickets(desk.manager, "invoice", page=3, per_page=10)
    assert first.total == 25 and first.has_next and len(first.tickets) == 10
    assert len(third.tickets) == 5 and not third.has_next
    seen = {
        t.pk
        for p in (1, 2, 3)
        for t in search_tickets(desk.manager, "invoice", page=p, per_page=10).tickets
    }
    assert len(seen) == 25
