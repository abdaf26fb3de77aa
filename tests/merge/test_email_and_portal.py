"""Mail to the old thread of a merged case lands on its target; the portal and the API
show each customer only what is theirs after a merge across customers (ADR 0025)."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.accounts.actions import do_create_api_token
from caredesk.core import clock
from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.merge import do_merge_cases
from caredesk.tickets.models import Channel, Message, Status, Ticket
from tests.email.conftest import ingest, make_mail


def test_email_reply_to_the_merged_thread_lands_in_the_target(desk, mail_settings):
    first = ingest(make_mail(message_id="<dup1@mail.test>", subject="Parcel lost"))
    source = Ticket.objects.get(pk=first.ticket_id)
    target = actions.do_open_ticket(
        customer=desk.alice, subject="Parcel", body="first", channel=Channel.PORTAL, now=clock.now()
    )
    do_merge_cases(source, target, actor=desk.agent, now=clock.now())
    again = ingest(
        make_mail(
            subject=f"Re: [{source.reference}] Parcel lost",
            body="Any news on the parcel?",
            in_reply_to="<dup1@mail.test>",
            references="<dup1@mail.test>",
        )
    )
    assert again.ticket_id == target.pk
    message = Message.objects.get(body="Any news on the parcel?")
    assert message.ticket_id == target.pk and message.origin_ticket_id == source.pk
    source.refresh_from_db()
    assert source.status == Status.MERGED and source.message_count == 0


def test_a_reply_to_the_merge_notice_lands_in_the_target(desk, mail_settings):
    first = ingest(make_mail(message_id="<dup2@mail.test>"))
    source = Ticket.objects.get(pk=first.ticket_id)
    target = actions.do_open_ticket(
        customer=desk.alice, subject="Parcel", body="first", channel=Channel.PORTAL, now=clock.now()
    )
    do_merge_cases(source, target, actor=desk.agent, now=clock.now())
    notice = OutboundEmail.objects.get(ticket_id=source.pk, subject__contains="joined")
    again = ingest(
        make_mail(
            subject=f"Re: {notice.subject}",
            body="Thanks for joining them.",
            in_reply_to=notice.rfc_message_id,
        )
    )
    assert again.ticket_id == target.pk


def test_a_stranger_cannot_use_the_merged_thread(desk, mail_settings):
    first = ingest(make_mail(message_id="<dup3@mail.test>"))
    source = Ticket.objects.get(pk=first.ticket_id)
    target = actions.do_open_ticket(
        customer=desk.alice, subject="Parcel", body="first", channel=Channel.PORTAL, now=clock.now()
    )
    do_merge_cases(source, target, actor=desk.agent, now=clock.now())
    again = ingest(
        make_mail(
            sender="Mallory <mallory@evil.test>",
            subject=f"Re: [{source.reference}] parcel",
            body="Let me in",
            in_reply_to="<dup3@mail.test>",
        )
    )
    assert again.ticket_id not in (source.pk, target.pk)


@pytest.fixture
def merged_across(desk, now):
    """Bob's case (with an attachment) merged into Alice's, confirmed."""
    alices = actions.do_open_ticket(
        customer=desk.alice,
        subject="Outage",
        body="Alice words 1111",
        channel=Channel.PORTAL,
        now=now,
    )
    bobs = actions.do_open_ticket(
        customer=desk.bob,
        subject="Outage too",
        body="Bob words 2222",
        channel=Channel.PORTAL,
        now=now,
        files=[IncomingFile("bob.pdf", b"%PDF-1.4 bob", "application/pdf")],
    )
    actions.do_reply(bobs, agent=desk.agent, body="Reply to Bob 3333", now=now)
    do_merge_cases(bobs, alices, actor=desk.agent, now=now, confirm_other_customer=True)
    attachment = Message.objects.get(body="Bob words 2222").attachments.get()
    return alices, bobs, attachment


def _web(user):
    client = Client()
    client.force_login(user)
    return client


def test_portal_after_a_merge_across_customers_shows_each_only_their_own(desk, merged_across):
    alices, bobs, attachment = merged_across
    alice = _web(desk.alice.user).get(f"/portal/cases/{alices.pk}/").content.decode()
    assert "Alice words 1111" in alice
    assert "Bob words 2222" not in alice and "Reply to Bob 3333" not in alice
    assert bobs.reference not in alice
    assert _web(desk.alice.user).get(f"/attachments/{attachment.pk}/").status_code == 404
    bob_client = _web(desk.bob.user)
    bob = bob_client.get(f"/portal/cases/{bobs.pk}/").content.decode()
    assert "Bob words 2222" in bob and "Reply to Bob 3333" in bob
    assert "Alice words 1111" not in bob
    assert bob_client.get(f"/portal/cases/{alices.pk}/").status_code == 404
    assert bob_client.get(f"/attachments/{attachment.pk}/").status_code == 200


def test_customer_api_after_a_merge_across_customers(desk, now, merged_across):
    alices, _, _ = merged_across
    token = do_create_api_token(user=desk.alice.user, name="t", now=now).plaintext
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = client.get(f"/api/v1/cases/{alices.pk}/messages").json()
    texts = [m["body"] for m in body["items"]]
    assert texts == ["Alice words 1111"]
    found = client.get("/api/v1/cases", {"q": "2222"}).json()
    assert found["items"] == []


def test_staff_see_everything_on_the_target(desk, merged_across):
    alices, _, _ = merged_across
    page = _web(desk.agent).get(f"/cases/{alices.pk}/").content.decode()
    assert "Alice words 1111" in page and "Bob words 2222" in page


def test_same_customer_merge_shows_the_whole_conversation_on_the_target(desk, now):
    a = actions.do_open_ticket(
        customer=desk.alice, subject="One", body="first words", channel=Channel.PORTAL, now=now
    )
    b = actions.do_open_ticket(
        customer=desk.alice, subject="Two", body="second words", channel=Channel.PORTAL, now=now
    )
    do_merge_cases(b, a, actor=desk.agent, now=now)
    client = _web(desk.alice.user)
    page = client.get(f"/portal/cases/{a.pk}/").content.decode()
    assert "first words" in page and "second words" in page
    pointer = client.get(f"/portal/cases/{b.pk}/").content.decode()
    assert a.reference in pointer


def test_portal_reply_on_a_merged_case_goes_to_the_target_and_stays_private(desk, merged_across):
    alices, bobs, _ = merged_across
    bob_client = _web(desk.bob.user)
    page = bob_client.get(f"/portal/cases/{bobs.pk}/").content.decode()
    assert "another case about the same problem" in page and alices.reference not in page
    response = bob_client.post(f"/portal/cases/{bobs.pk}/reply/", {"body": "Bob again 4444"})
    assert response.status_code == 302
    message = Message.objects.get(body="Bob again 4444")
    assert message.ticket_id == alices.pk and message.origin_ticket_id == bobs.pk
    assert "Bob again 4444" in bob_client.get(f"/portal/cases/{bobs.pk}/").content.decode()
    alice = _web(desk.alice.user).get(f"/portal/cases/{alices.pk}/").content.decode()
    assert "Bob again 4444" not in alice
