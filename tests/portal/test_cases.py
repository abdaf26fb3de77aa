from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import Attachment, AuditEvent, Channel, MessageKind, Status, Ticket

from .conftest import open_case


@pytest.fixture
def alice(desk, client):
    client.force_login(desk.alice.user)
    return client


def test_anonymous_is_sent_to_sign_in(desk, now, client):
    ticket = open_case(desk.alice, now)
    for url in ["/portal/cases/", "/portal/cases/new/", f"/portal/cases/{ticket.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/signin/")
    assert client.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "hi"}).status_code == 302
    assert ticket.messages.count() == 1


def test_empty_state(desk, alice):
    page = alice.get("/portal/cases/")
    assert "You have no cases yet" in page.text
    assert 'href="/portal/cases/new/"' in page.text and "Open a new case" in page.text


def test_case_list_shows_status_reference_and_paginates(desk, now, alice):
    tickets = [
        open_case(desk.alice, now + timedelta(minutes=i), subject=f"Case number {i}")
        for i in range(23)
    ]
    actions.do_change_status(
        tickets[-1], actor=desk.agent, status=Status.RESOLVED, now=now + timedelta(hours=1)
    )
    page = alice.get("/portal/cases/")
    assert tickets[-1].reference in page.text
    assert "Case number 22" in page.text and "Case number 2<" not in page.text
    assert 'class="badge status-resolved">Resolved' in page.text
    assert "Page 1 of 2" in page.text
    second = alice.get("/portal/cases/?page=2")
    assert "Case number 0" in second.text and "Case number 22" not in second.text
    for bad in ["abc", "-1", "999999", "1e9", "%00"]:
        assert alice.get(f"/portal/cases/?page={bad}").status_code == 200


def test_customer_cannot_reach_another_customers_case(desk, now, client):
    bobs = open_case(desk.bob, now, subject="Bob's secret invoice", body="Bob private words")
    bobs_file = actions.do_add_customer_message(
        bobs,
        customer=desk.bob,
        body="see file",
        channel=Channel.PORTAL,
        now=now,
        files=[IncomingFile("bob.pdf", b"%PDF-1.4 bob")],
    )
    client.force_login(desk.alice.user)
    assert "Bob&#x27;s secret invoice" not in client.get("/portal/cases/").text
    assert "secret invoice" not in client.get("/portal/cases/?scope=org").text
    assert client.get(f"/portal/cases/{bobs.pk}/").status_code == 404
    assert client.post(f"/portal/cases/{bobs.pk}/reply/", {"body": "hijack"}).status_code == 404
    resolve = client.post(f"/portal/cases/{bobs.pk}/status/", {"action": "resolve"})
    assert resolve.status_code == 404
    follow = client.get(f"/portal/cases/new/?about={bobs.reference}")
    assert "secret invoice" not in follow.text
    bobs.refresh_from_db()
    assert bobs.status == Status.NEW and bobs.message_count == 2
    assert not bobs.messages.filter(body="hijack").exists()
    attachment = Attachment.objects.get(message=bobs_file)
    # The download view belongs to the workspace; it refuses Alice as the portal does.
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/portal/cases/99999999999999999999999/").status_code == 404


def test_shared_organization_cases(desk, now, client):
    from .conftest import make_colleague

    colleague = make_colleague(desk)
    theirs = open_case(colleague, now, subject="Colleague's printer")
    mine = open_case(desk.alice, now, subject="My own router")
    client.force_login(desk.alice.user)
    # Not shared: only her own.
    assert "Colleague" not in client.get("/portal/cases/?scope=org").text
    assert "My organization" not in client.get("/portal/cases/").text
    assert client.get(f"/portal/cases/{theirs.pk}/").status_code == 404

    desk.acme.shared_cases = True
    desk.acme.save()
    mine_only = client.get("/portal/cases/")
    assert "My organization" in mine_only.text
    assert "My own router" in mine_only.text and "printer" not in mine_only.text
    org = client.get("/portal/cases/?scope=org")
    assert "Colleague&#x27;s printer" in org.text and "My own router" in org.text
    assert "Cyd Colleague" in org.text
    page = client.get(f"/portal/cases/{theirs.pk}/")
    assert page.status_code == 200 and "Opened by Cyd Colleague" in page.text
    assert mine.pk != theirs.pk
    # Bob, outside the organization, still sees nothing of Acme.
    client.force_login(desk.bob.user)
    assert client.get(f"/portal/cases/{theirs.pk}/").status_code == 404
    assert "printer" not in client.get("/portal/cases/?scope=org").text


def test_internal_notes_never_reach_the_portal(desk, now, alice):
    ticket = open_case(desk.alice, now)
    actions.do_add_note(
        ticket,
        agent=desk.agent,
        body="INTERNAL: customer is a known refund abuser",
        now=now,
        files=[IncomingFile("internal.txt", b"secret")],
    )
    note_file = Attachment.objects.get(filename="internal.txt")
    actions.do_assign(
        ticket,
        actor=desk.lead,
        assignee=desk.agent,
        team=desk.billing,
        now=now,
        handoff_note="HANDOFF-SECRET check the ledger",
    )
    actions.do_reply(ticket, agent=desk.agent, body="We have refunded you.", now=now)
    page = alice.get(f"/portal/cases/{ticket.pk}/")
    assert page.status_code == 200
    assert "We have refunded you." in page.text
    assert "refund abuser" not in page.text
    assert "HANDOFF-SECRET" not in page.text
    assert "internal.txt" not in page.text
    assert "Assigned" not in page.text and "ledger" not in page.text
    assert alice.get(f"/attachments/{note_file.pk}/").status_code == 404


def test_case_page_shows_full_public_history(desk, now, alice):
    ticket = open_case(
        desk.alice,
        now,
        body="My exact original words",
        files=[IncomingFile("photo.jpg", b"\xff\xd8jpeg", "image/jpeg")],
    )
    actions.do_reply(
        ticket,
        agent=desk.agent,
        body="Could you send the order number?",
        now=now + timedelta(hours=1),
    )
    actions.do_add_customer_message(
        ticket,
        customer=desk.alice,
        body="It is 4711.",
        channel=Channel.EMAIL,
        now=now + timedelta(hours=2),
    )
    actions.do_change_status(
        ticket, actor=desk.agent, status=Status.RESOLVED, now=now + timedelta(hours=3)
    )
    page = alice.get(f"/portal/cases/{ticket.pk}/").text
    assert 'class="panel pinned"' in page and "My exact original words" in page
    attachment = Attachment.objects.get(filename="photo.jpg")
    assert f'href="/attachments/{attachment.pk}/"' in page
    download = alice.get(f"/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xff\xd8jpeg"
    order = [
        page.index("Case opened"),
        page.index("Could you send the order number?"),
        page.index("It is 4711."),
        page.index("Waiting on us → Resolved"),
    ]
    assert order == sorted(order)
    assert "Waiting on customer → Waiting on us" in page
    assert "Waiting on us → Resolved" in page
    assert "Ada Agent" in page
    # A resolved case asks "Is this solved?" (docs/resolutions.md) instead of "Reopen".
    assert "Is this solved?" in page and "No, it is not" in page
    assert "Mark as resolved" not in page


def test_new_case_with_attachments(desk, now, alice):
    page = alice.get("/portal/cases/new/")
    for name in ['name="subject"', 'name="body"', 'name="attachments"', "Open case"]:
        assert name in page.text
    mail.outbox.clear()
    response = alice.post(
        "/portal/cases/new/",
        {
            "subject": "Wrong size delivered",
            "body": "I ordered M and got XL.",
            "attachments": [
                SimpleUploadedFile("label.png", b"\x89PNG fake", "image/png"),
                SimpleUploadedFile("../../etc/receipt.pdf", b"%PDF receipt", "application/pdf"),
            ],
        },
    )
    ticket = Ticket.objects.get(subject="Wrong size delivered")
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{ticket.pk}/"
    assert ticket.channel == Channel.PORTAL and ticket.customer == desk.alice
    assert ticket.original_request == "I ordered M and got XL."
    files = sorted(a.filename for a in Attachment.objects.filter(message__ticket=ticket))
    assert files == ["label.png", "receipt.pdf"]
    event = AuditEvent.objects.get(ticket=ticket, verb="created")
    assert event.actor == desk.alice.user
    shown = alice.get(response["Location"])
    assert f"Your case {ticket.reference} is open" in shown.text
    assert "label.png" in shown.text
    assert len(mail.outbox) == 1 and ticket.reference in mail.outbox[0].subject


def test_oversize_attachment_keeps_the_typed_text(desk, alice, settings):
    settings.CAREDESK_MAX_ATTACHMENT_BYTES = 1024
    response = alice.post(
        "/portal/cases/new/",
        {
            "subject": "Subject I typed",
            "body": "A long story I do not want to type again",
            "attachments": [SimpleUploadedFile("huge.bin", b"x" * 4096)],
        },
    )
    assert response.status_code == 400
    assert "“huge.bin” is 0.0 MB; the limit is 0 MB per file." in response.text
    assert 'value="Subject I typed"' in response.text
    assert "A long story I do not want to type again</textarea>" in response.text
    assert "please choose your files again" in response.text
    assert Ticket.objects.count() == 0


def test_too_many_attachments(desk, alice, settings):
    settings.CAREDESK_MAX_ATTACHMENTS = 2
    response = alice.post(
        "/portal/cases/new/",
        {
            "subject": "Three files",
            "body": "text",
            "attachments": [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(3)],
        },
    )
    assert response.status_code == 400
    assert "Too many attachments (3); at most 2 per message." in response.text
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"subject": "", "body": "x"}, "Give your case a short subject."),
        ({"subject": "x", "body": ""}, "Tell us what happened."),
        ({"subject": "x", "body": "   \n\t "}, "The message is empty."),
        ({"subject": "s" * 300, "body": "x"}, "at most 255 characters"),
        ({"subject": "\x01\x02\x7f", "body": "x"}, "The subject is empty."),
        ({"subject": "nul\x00byte", "body": "x"}, "Null characters are not allowed."),
        ({"body": "x"}, "Give your case a short subject."),
    ],
)
def test_new_case_bad_input(desk, alice, data, error):
    response = alice.post("/portal/cases/new/", data)
    assert response.status_code == 400
    assert error in response.text
    assert Ticket.objects.count() == 0


def test_oversize_body_is_refused_and_kept(desk, alice, settings):
    settings.CAREDESK_MAX_BODY_CHARS = 50
    response = alice.post("/portal/cases/new/", {"subject": "Long", "body": "y" * 60})
    assert response.status_code == 400
    assert "too long (60 characters; the limit is 50)" in response.text
    assert "y" * 60 in response.text


def test_html_is_escaped_everywhere(desk, now, alice):
    alice.post(
        "/portal/cases/new/",
        {"subject": "<script>alert('s')</script>", "body": "<img src=x onerror=alert(1)>"},
    )
    ticket = Ticket.objects.get()
    actions.do_reply(ticket, agent=desk.agent, body="<b>bold</b><script>r()</script>", now=now)
    for url in ["/portal/cases/", f"/portal/cases/{ticket.pk}/"]:
        text = alice.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "<script>r()" not in text and "<b>bold</b>" not in text
        assert "&lt;script&gt;alert(&#x27;s&#x27;)&lt;/script&gt;" in text


def test_reply_from_the_portal(desk, now, alice):
    ticket = open_case(desk.alice, now)
    actions.do_reply(ticket, agent=desk.agent, body="Which colour?", now=now)
    page = alice.get(f"/portal/cases/{ticket.pk}/")
    assert 'id="portal-reply"' in page.text and 'name="body"' in page.text
    assert ">Send</button>" in page.text
    response = alice.post(
        f"/portal/cases/{ticket.pk}/reply/",
        {"body": "Blue, please.", "attachments": [SimpleUploadedFile("blue.png", b"png")]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_US
    last = ticket.messages.order_by("id").last()
    assert last.kind == MessageKind.CUSTOMER and last.channel == Channel.PORTAL
    assert last.body == "Blue, please." and last.attachments.get().filename == "blue.png"
    assert "Your reply was sent." in alice.get(response["Location"]).text


def test_empty_and_oversize_reply(desk, now, alice, settings):
    ticket = open_case(desk.alice, now)
    empty = alice.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "  "})
    assert empty.status_code == 400 and "The message is empty." in empty.text
    settings.CAREDESK_MAX_BODY_CHARS = 10
    long = alice.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "z" * 20})
    assert long.status_code == 400 and "too long" in long.text and "z" * 20 in long.text
    assert ticket.messages.count() == 1


def test_reply_on_closed_case_opens_a_linked_follow_up(desk, now, alice):
    """The closed-case panel tells the truth: writing there opens a follow-up case linked
    to the closed one (docs/resolutions.md), not an unlinked new case."""
    ticket = open_case(desk.alice, now, subject="Old problem")
    actions.do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=now)
    page = alice.get(f"/portal/cases/{ticket.pk}/")
    assert "This case is closed" in page.text
    assert "follows up on this one, linked to it" in page.text
    assert "we will link it to this one" not in page.text  # the old, untrue promise
    response = alice.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "still broken"})
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/cases/{follow_up.pk}/"
    assert not ticket.messages.filter(body="still broken").exists()
    assert follow_up.original_request == "still broken"
    assert follow_up.subject == f"Follow-up to {ticket.reference}: Old problem"
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = alice.get(f"/portal/cases/{follow_up.pk}/").text
    assert f'follows up on <a href="/portal/cases/{ticket.pk}/">{ticket.reference}</a>' in page
    # An empty reply on the closed case: a clear error, no case opened.
    response = alice.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "   "})
    assert response.status_code == 400
    assert Ticket.objects.filter(follow_up_of=ticket).count() == 1


def test_resolve_and_reopen(desk, now, alice):
    ticket = open_case(desk.alice, now)
    page = alice.get(f"/portal/cases/{ticket.pk}/")
    assert "Mark as resolved" in page.text
    alice.post(f"/portal/cases/{ticket.pk}/status/", {"action": "resolve"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    event = ticket.events.filter(verb="status_changed").last()
    assert event.actor == desk.alice.user and event.new_value == Status.RESOLVED
    page = alice.get(f"/portal/cases/{ticket.pk}/")
    assert "Marked as resolved" in page.text and ">Reopen</button>" in page.text
    alice.post(f"/portal/cases/{ticket.pk}/status/", {"action": "reopen"})
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_US and ticket.reopen_count == 1
    assert "Case reopened" in alice.get(f"/portal/cases/{ticket.pk}/").text


def test_customer_cannot_force_other_statuses(desk, now, alice):
    ticket = open_case(desk.alice, now)
    for action in ["close", "closed", "reopen", "", "x" * 1000]:
        response = alice.post(f"/portal/cases/{ticket.pk}/status/", {"action": action})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == Status.NEW
    page = alice.get(f"/portal/cases/{ticket.pk}/").text
    assert "You can only reopen a resolved case" in page or "Unknown action" in page
    actions.do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=now)
    alice.post(f"/portal/cases/{ticket.pk}/status/", {"action": "reopen"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert "You can only reopen a resolved case" in alice.get(f"/portal/cases/{ticket.pk}/").text


def test_staff_visiting_the_portal(desk, now, client):
    ticket = open_case(desk.alice, now)
    client.force_login(desk.agent)
    for url in ["/portal/", "/portal/cases/", f"/portal/cases/{ticket.pk}/", "/portal/cases/new/"]:
        page = client.get(url)
        assert page.status_code == 200
        assert "You are signed in as staff" in page.text
        assert 'href="/"' in page.text and "Go to the workspace" in page.text
    client.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "staff via portal"})
    assert not ticket.messages.filter(body="staff via portal").exists()


def test_case_page_query_count_does_not_grow(desk, now, alice, django_assert_max_num_queries):
    def build(n):
        ticket = open_case(desk.alice, now, files=[IncomingFile("a.txt", b"a")])
        for i in range(n):
            at = now + timedelta(minutes=i + 1)
            actions.do_reply(
                ticket,
                agent=desk.agent,
                body=f"reply {i}",
                now=at,
                files=[IncomingFile(f"r{i}.txt", b"r")],
            )
            actions.do_add_customer_message(
                ticket, customer=desk.alice, body=f"answer {i}", channel=Channel.PORTAL, now=at
            )
        return ticket

    small, large = build(1), build(15)
    with CaptureQueriesContext(connection) as few:
        assert alice.get(f"/portal/cases/{small.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as many:
        page = alice.get(f"/portal/cases/{large.pk}/")
    assert "reply 14" in page.text and "answer 14" in page.text
    assert len(many.captured_queries) == len(few.captured_queries)
    # 13: the incident banner reads the open incidents affecting the customer (one query).
    with django_assert_max_num_queries(13):
        alice.get(f"/portal/cases/{large.pk}/")
