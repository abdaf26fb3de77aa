"""Search quality on a labelled query set: expected top results, and cases never shown.

Runs on both backends (the SQLite and the PostgreSQL suite use the same corpus)."""

from __future__ import annotations

import pytest

from caredesk.tickets.search import search_tickets

# (who searches, query, expected first results in order, cases that must not appear)
LABELLED = [
    # Exact words rank above stemmed matches: "customs" stems to "custom", as does every
    # "Customer Service" signature; the case that says customs comes first.
    ("manager", "customs", ["customs"], []),
    ("manager", "Customs", ["customs"], []),
    ("manager", "returning", ["returning"], []),
    # Stemming still finds the other forms (after the exact ones).
    ("manager", "returns", [], ["customs", "carol"]),
    ("manager", "flickering", ["returning"], ["label"]),
    # Quoted phrases: the words next to each other, in order.
    ("manager", '"shower seat"', ["seat"], ["apart"]),
    ("manager", '"seat shower"', [], ["seat", "apart"]),
    ("manager", "shower seat", [], ["label", "customs"]),
    ("manager", '"return label"', ["label"], ["seat"]),
    ("manager", '"held at customs" fee', ["customs"], ["customer1"]),
    # A customer's email address or name finds their cases (staff only) …
    ("manager", "carol.jones@example.org", ["carol"], ["mentions", "customs"]),
    ("manager", "CAROL.JONES@example.org", ["carol"], []),
    ("manager", "Carol Jones", ["carol", "mentions"], []),
    ("manager", "bob@small.test", [], ["seat", "label", "carol"]),
    # … through the same access rule: Ada (Billing) never sees Delivery's cases.
    ("agent", "bob@small.test", [], ["customer3", "apart"]),
    ("agent", "courier", [], ["customer3"]),
    # Customers never match internal notes, nor find others' cases by address.
    ("manager", "hushword", ["note"], []),
    ("bob", "hushword", [], ["note"]),
    ("bob", "carol.jones@example.org", [], ["carol"]),
    ("bob", "customs", ["customs"], ["customer1", "customer2"]),
    ("alice", "customs", [], ["customs"]),
    ("bob", "invoice", ["note"], []),
]


def _user(desk, who):
    return {
        "manager": desk.manager,
        "agent": desk.agent,
        "bob": desk.bob.user,
        "alice": desk.alice.user,
    }[who]


@pytest.mark.parametrize(("who", "query", "top", "never"), LABELLED)
def test_labelled_query(desk, corpus, who, query, top, never):
    found = search_tickets(_user(desk, who), query).tickets
    keys = {case.pk: k for k, case in vars(corpus).items()}
    names = [keys.get(t.pk, "?") for t in found]
    assert names[: len(top)] == top, names
    assert not set(never) & set(names), names


def test_exact_match_first_then_every_stemmed_match(desk, corpus):
    found = [t.pk for t in search_tickets(desk.manager, "customs").tickets]
    signed = {corpus.customer1.pk, corpus.customer2.pk, corpus.customer3.pk}
    assert found[0] == corpus.customs.pk
    assert set(found[1:]) == signed


def test_stemmed_forms_still_match(desk, corpus):
    found = {t.pk for t in search_tickets(desk.manager, "returns").tickets}
    assert {corpus.seat.pk, corpus.label.pk, corpus.returning.pk} <= found


def test_a_case_reference_jumps_to_the_case(desk, corpus):
    page = search_tickets(desk.manager, corpus.label.reference.lower())
    assert page.tickets == [corpus.label] and page.total == 1
    assert search_tickets(desk.bob.user, corpus.label.reference).total == 0


def test_customers_by_email_find_nothing_of_anyone_else(desk, corpus):
    assert search_tickets(desk.alice.user, "bob@small.test").total == 0
