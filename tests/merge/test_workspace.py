"""The case page: merge into… (with the lookup by reference and the confirmation across
customers), split from a message's menu, the links panel and resolving incidents."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.tickets import actions
from caredesk.tickets.links import do_link_cases
from caredesk.tickets.models import CaseLink, Channel, LinkKind, Status, Ticket
from tests.case_page import case_page_html


def open_case(customer, now, subject="Parcel", body="Where is parcel 4711?"):
    return actions.do_open_ticket(
        customer=customer, subject=subject, body=body, channel=Channel.PORTAL, now=now
    )


@pytest.fixture
def agent(desk):
    client = Client()
    client.force_login(desk.agent)
    return client


def test_case_page_shows_the_links_panel_and_the_merge_form(agent, desk, now):
    ticket = open_case(desk.alice, now)
    page = case_page_html(agent, ticket.pk)
    assert 'id="links"' in page and "No linked cases." in page and 'id="merge-form"' in page
    # The original request has no split menu.
    assert f'id="split-{ticket.messages.get().pk}"' not in page


def test_lookup_by_reference(agent, desk, now):
    ticket, other = open_case(desk.alice, now), open_case(desk.bob, now, subject="Bob's box")
    found = agent.get(f"/cases/{ticket.pk}/merge/lookup", {"into": other.reference}).content
    assert b"Bob&#x27;s box" in found and b"Another customer" in found
    for hostile in ("<script>x</script>", "CD-99999999999999", "' OR 1=1 --", "x" * 5000):
        response = agent.get(f"/cases/{ticket.pk}/merge/lookup", {"into": hostile})
        assert response.status_code == 200 and b"<script>" not in response.content


def test_merge_from_the_case_page(agent, desk, now):
    source, target = open_case(desk.alice, now), open_case(desk.alice, now)
    response = agent.post(f"/cases/{source.pk}/merge", {"into": target.reference})
    assert response.status_code == 302 and response["Location"] == f"/cases/{target.pk}/"
    assert Ticket.objects.get(pk=source.pk).status == Status.MERGED
    pointer = agent.get(f"/cases/{source.pk}/").content.decode()
    assert 'id="merged-banner"' in pointer and 'id="reply"' not in pointer
    assert "Merged into" in pointer


def test_merge_across_customers_asks_for_confirmation(agent, desk, now):
    bobs, alices = open_case(desk.bob, now), open_case(desk.alice, now)
    first = agent.post(f"/cases/{bobs.pk}/merge", {"into": alices.reference, "note": "same"})
    assert first.status_code == 409
    page = first.content.decode()
    assert 'id="merge-confirm"' in page and "Confirm to merge across customers" in page
    assert Ticket.objects.get(pk=bobs.pk).status == Status.NEW
    confirmed = agent.post(
        f"/cases/{bobs.pk}/merge", {"into": alices.reference, "confirm_other_customer": "on"}
    )
    assert confirmed.status_code == 302
    target_page = agent.get(f"/cases/{alices.pk}/").content.decode()
    assert "Hidden from Alice Acme" in target_page


def test_merge_refusals_re_render_with_a_clear_error(agent, desk, now):
    ticket = open_case(desk.alice, now)
    for into, text in (
        (ticket.reference, "cannot be merged into itself"),
        ("not a ref", "is not a case reference"),
        ("CD-999999", "No case CD-999999 that you can see"),
        ("", "Into"),
    ):
        response = agent.post(f"/cases/{ticket.pk}/merge", {"into": into})
        assert response.status_code == 400 and text in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_split_from_the_message_menu(agent, desk, now):
    ticket = open_case(desk.alice, now)
    second = actions.do_add_customer_message(
        ticket, customer=desk.alice, body="Also my invoice", channel=Channel.PORTAL, now=now
    )
    page = agent.get(f"/cases/{ticket.pk}/").content.decode()
    assert f'id="split-{second.pk}"' in page
    response = agent.post(f"/cases/{ticket.pk}/split", {"message": second.pk, "subject": "Invoice"})
    new = Ticket.objects.get(subject="Invoice")
    assert response["Location"] == f"/cases/{new.pk}/"
    bad = agent.post(f"/cases/{ticket.pk}/split", {"message": "abc"})
    assert bad.status_code == 400 and 'id="split-error"' in bad.content.decode()


def test_links_panel_link_unlink_and_resolve_incidents(agent, desk, now):
    problem, incident = open_case(desk.alice, now), open_case(desk.bob, now)
    response = agent.post(
        f"/cases/{problem.pk}/links", {"other": incident.reference, "kind": "parent"}
    )
    assert response.status_code == 302
    again = agent.post(
        f"/cases/{problem.pk}/links", {"other": incident.reference, "kind": "related"}
    )
    assert again.status_code == 409 and "already linked" in again.content.decode()
    evil = agent.post(f"/cases/{problem.pk}/links", {"other": incident.reference, "kind": "<x>"})
    assert evil.status_code == 400
    actions.do_change_status(problem, actor=desk.agent, status=Status.RESOLVED, now=now)
    page = case_page_html(agent, problem.pk)
    assert 'id="resolve-children"' in page and "1 incident still open" in page
    done = agent.post(f"/cases/{problem.pk}/resolve-children", {"body": "Fixed for everyone."})
    assert done.status_code == 302
    assert Ticket.objects.get(pk=incident.pk).status == Status.RESOLVED
    link = CaseLink.objects.get()
    assert agent.post(f"/cases/{problem.pk}/links/{link.pk}/remove").status_code == 302
    assert not CaseLink.objects.exists()
    assert agent.post(f"/cases/{problem.pk}/links/{link.pk}/remove").status_code == 404


def test_links_of_cases_the_agent_cannot_see_are_not_removable_from_elsewhere(agent, desk, now):
    a, b, c = (open_case(desk.alice, now) for _ in range(3))
    link = do_link_cases(a, b, kind=LinkKind.RELATED, actor=desk.agent, now=now)
    assert agent.post(f"/cases/{c.pk}/links/{link.pk}/remove").status_code == 404
    assert CaseLink.objects.filter(pk=link.pk).exists()
