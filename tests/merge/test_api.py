"""The merge, split and links API: the same actions and refusals as the case page."""

from __future__ import annotations

from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from caredesk.tickets.models import CaseLink, Channel, Status, Ticket


def open_case(customer, now, body="Where is my parcel?"):
    return actions.do_open_ticket(
        customer=customer, subject="Parcel", body=body, channel=Channel.PORTAL, now=now
    )


def test_merge_over_the_api(api, desk, now):
    source, target = open_case(desk.alice, now), open_case(desk.alice, now)
    client = api.agent
    response = client.post(f"/api/v1/cases/{source.pk}/merge", {"into": target.pk})
    assert response.status_code == 200, response.content
    assert response.json()["target_reference"] == target.reference
    assert Ticket.objects.get(pk=source.pk).status == Status.MERGED
    shown = client.get(f"/api/v1/cases/{source.pk}").json()
    assert shown["status"] == "merged" and shown["merged_into"] == target.pk
    assert OutboundEmail.objects.filter(ticket_id=source.pk, subject__contains="joined").exists()
    again = client.post(f"/api/v1/cases/{source.pk}/merge", {"into": target.pk})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_merged"


def test_merge_refusals_over_the_api(api, desk, now):
    alices, bobs = open_case(desk.alice, now), open_case(desk.bob, now)
    client = api.agent
    itself = client.post(f"/api/v1/cases/{alices.pk}/merge", {"into": alices.pk})
    assert itself.status_code == 400 and itself.json()["error"]["code"] == "merge_into_itself"
    across = client.post(f"/api/v1/cases/{bobs.pk}/merge", {"into": alices.pk})
    assert across.status_code == 409
    assert across.json()["error"]["code"] == "confirm_other_customer"
    for hostile in ({"into": "1 OR 1=1"}, {"into": -1}, {"into": 10**30}, {"note": "x"}, []):
        assert client.post(f"/api/v1/cases/{bobs.pk}/merge", hostile).status_code in (400, 404, 422)
    too_long = client.post(
        f"/api/v1/cases/{bobs.pk}/merge",
        {"into": alices.pk, "confirm_other_customer": True, "note": "x" * 2001},
    )
    assert too_long.status_code in (400, 422)
    assert api.alice.post(f"/api/v1/cases/{alices.pk}/merge", {"into": alices.pk}).status_code in (
        403,
        404,
    )
    assert Ticket.objects.filter(status=Status.MERGED).count() == 0
    ok = client.post(
        f"/api/v1/cases/{bobs.pk}/merge", {"into": alices.pk, "confirm_other_customer": True}
    )
    assert ok.status_code == 200 and ok.json()["across_customers"] is True


def test_split_and_links_over_the_api(api, desk, now):
    ticket = open_case(desk.alice, now)
    second = actions.do_add_customer_message(
        ticket, customer=desk.alice, body="And my invoice", channel=Channel.PORTAL, now=now
    )
    client = api.agent
    split = client.post(f"/api/v1/cases/{ticket.pk}/split", {"message_id": second.pk})
    assert split.status_code == 201, split.content
    new_id = split.json()["case_id"]
    assert Ticket.objects.get(pk=new_id).original_request == "And my invoice"
    listed = client.get(f"/api/v1/cases/{ticket.pk}/links").json()
    assert [x["kind"] for x in listed] == ["related"]
    bad = client.post(f"/api/v1/cases/{ticket.pk}/links", {"case_id": new_id, "kind": "evil"})
    assert bad.status_code == 422
    child = open_case(desk.bob, now)
    made = client.post(f"/api/v1/cases/{ticket.pk}/links", {"case_id": child.pk, "kind": "parent"})
    assert made.status_code == 201
    done = client.post(f"/api/v1/cases/{ticket.pk}/resolve-children", {"body": "Fixed now."})
    assert done.json() == {"resolved": [child.pk], "refused": []}
    assert Ticket.objects.get(pk=child.pk).status == Status.RESOLVED
    link_id = made.json()["id"]
    assert client.delete(f"/api/v1/cases/{ticket.pk}/links/{link_id}").status_code == 204
    assert client.delete(f"/api/v1/cases/{ticket.pk}/links/{link_id}").status_code == 404
    assert CaseLink.objects.count() == 1
