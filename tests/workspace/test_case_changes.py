from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.tickets.models import AuditEvent, Message, MessageKind, Status
from tests.case_page import case_page_html
from tests.workspace.conftest import signed_in


def events(case, verb):
    return list(AuditEvent.objects.filter(ticket=case, verb=verb))


def test_reply_through_the_page(desk, client, case):
    signed_in(client, desk.agent)
    response = client.post(
        f"/cases/{case.pk}/reply",
        {
            "reply-body": "We are sending a new vase today.",
            "reply-status_after": Status.RESOLVED,
            "files": [SimpleUploadedFile("label.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/#reply"
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.assignee == desk.agent
    reply = Message.objects.get(ticket=case, kind=MessageKind.REPLY)
    assert reply.body == "We are sending a new vase today."
    assert reply.attachments.get().filename == "label.pdf"
    assert events(case, "replied") and events(case, "status_changed")
    page = client.get(response["Location"]).content.decode()
    assert "Reply sent." in page and "label.pdf" in page


def test_reply_defaults_to_waiting_on_customer(desk, client, case):
    signed_in(client, desk.agent)
    client.post(
        f"/cases/{case.pk}/reply",
        {
            "reply-body": "Sorry the vase arrived broken; a new one is on its way.",
            "reply-status_after": "waiting_customer",
        },
    )
    case.refresh_from_db()
    assert case.status == Status.WAITING_CUSTOMER


def test_note_through_the_page(desk, client, case):
    signed_in(client, desk.agent)
    files = [SimpleUploadedFile(f"photo{i}.jpg", b"\xff\xd8\xff", "image/jpeg") for i in range(3)]
    response = client.post(
        f"/cases/{case.pk}/note", {"note-body": "Courier admits fault.", "files": files}
    )
    assert response.status_code == 302
    note = Message.objects.get(ticket=case, kind=MessageKind.NOTE)
    assert note.attachments.count() == 3
    assert events(case, "noted")
    case.refresh_from_db()
    assert case.status == Status.NEW  # a note does not change the status


def test_assign_with_handoff_note(desk, client, case):
    signed_in(client, desk.agent)
    response = client.post(
        f"/cases/{case.pk}/assign",
        {
            "team": desk.delivery.pk,
            "assignee": desk.other_agent.pk,
            "handoff_note": "Courier issue.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.team == desk.delivery and case.assignee == desk.other_agent
    event = events(case, "assigned")[0]
    assert event.note == "Courier issue." and event.new_value["assignee"] == "Otto Other"
    # Ada is not in Delivery and the case is now Otto's: it leaves her view.
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    signed_in(client, desk.other_agent)
    html = case_page_html(client, case.pk)
    assert "Courier issue." in html and "reassigned the case" in html


def test_assign_refusal_is_shown_and_nothing_changes(desk, client, case):
    signed_in(client, desk.agent)
    response = client.post(
        f"/cases/{case.pk}/assign",
        {"team": desk.delivery.pk, "assignee": desk.agent.pk, "handoff_note": "keep me"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a member of Delivery" in html and "keep me" in html
    case.refresh_from_db()
    assert case.assignee is None and case.team == desk.billing


@pytest.mark.parametrize(
    "data",
    [
        {"team": "abc"},
        {"assignee": "999999999999999999999999"},
        {"assignee": "-5"},
        {"handoff_note": "x" * 6000},
    ],
)
def test_assign_with_bogus_values_is_400(desk, client, case, data):
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{case.pk}/assign", data)
    assert response.status_code == 400
    assert not events(case, "assigned")


def test_customers_cannot_be_assigned(desk, client, case):
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{case.pk}/assign", {"assignee": desk.alice.user.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee is None


def test_status_priority_and_tags(desk, client, case):
    signed_in(client, desk.agent)
    assert client.post(f"/cases/{case.pk}/status", {"status": "waiting_us"}).status_code == 302
    assert client.post(f"/cases/{case.pk}/priority", {"priority": "urgent"}).status_code == 302
    assert (
        client.post(f"/cases/{case.pk}/tags", {"tags": "Refund, late delivery,,refund"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == Status.WAITING_US and case.priority == "urgent"
    assert sorted(case.tags.values_list("name", flat=True)) == ["late-delivery", "refund"]
    assert events(case, "status_changed")[0].new_value == "waiting_us"
    assert events(case, "priority_changed")[0].old_value == "normal"
    assert events(case, "tags_changed")[0].new_value == ["late-delivery", "refund"]
    html = case_page_html(client, case.pk)
    assert "Normal → Urgent" in html and "none → late-delivery, refund" in html


@pytest.mark.parametrize(
    "url,data",
    [
        ("status", {"status": "exploded"}),
        ("status", {}),
        ("priority", {"priority": "<script>"}),
        ("tags", {"tags": ",".join(f"t{i}" for i in range(30))}),
        ("tags", {"tags": "x" * 5000}),
        ("reply", {"reply-body": "hi", "reply-status_after": "nope"}),
        ("reply", {"reply-body": "   "}),
        ("note", {"note-body": ""}),
    ],
)
def test_invalid_changes_are_refused_with_400(desk, client, case, url, data):
    signed_in(client, desk.agent)
    before = AuditEvent.objects.filter(ticket=case).count()
    response = client.post(f"/cases/{case.pk}/{url}", data)
    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.content.decode()
    assert "<script>" not in response.content.decode().split("</head>", 1)[1].replace(
        '<script src="', ""
    )
    assert AuditEvent.objects.filter(ticket=case).count() == before


def test_oversized_upload_keeps_the_text(desk, client, case, settings):
    settings.CAREDESK_MAX_ATTACHMENT_BYTES = 1024
    signed_in(client, desk.agent)
    typed = "Here is the return label for the broken vase.\nSecond line stays."
    response = client.post(
        f"/cases/{case.pk}/reply",
        {
            "reply-body": typed,
            "reply-status_after": "waiting_customer",
            "files": [SimpleUploadedFile("huge.bin", b"x" * 2048)],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "huge.bin" in html and "the limit is" in html
    assert typed in html
    assert not Message.objects.filter(ticket=case, kind=MessageKind.REPLY).exists()


def test_too_many_files_are_refused(desk, client, case, settings):
    settings.CAREDESK_MAX_ATTACHMENTS = 3
    signed_in(client, desk.agent)
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(4)]
    response = client.post(f"/cases/{case.pk}/note", {"note-body": "four files", "files": files})
    assert response.status_code == 400
    assert "Too many attachments (4); at most 3" in response.content.decode()
    assert "four files" in response.content.decode()
    assert not Message.objects.filter(ticket=case, kind=MessageKind.NOTE).exists()


def test_oversized_body_is_refused_clearly(desk, client, case, settings):
    settings.CAREDESK_MAX_BODY_CHARS = 50
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{case.pk}/note", {"note-body": "y" * 51})
    assert response.status_code == 400
    assert "too long" in response.content.decode()


def test_hostile_filenames_are_normalised(desk, client, case):
    signed_in(client, desk.agent)
    upload = SimpleUploadedFile(
        "../../<script>evil</script>.html", b"<script>x</script>", "text/html"
    )
    client.post(f"/cases/{case.pk}/note", {"note-body": "see file", "files": [upload]})
    attachment = Message.objects.get(ticket=case, kind=MessageKind.NOTE).attachments.get()
    assert "/" not in attachment.filename
    html = case_page_html(client, case.pk)
    assert "<script>evil" not in html


def test_get_on_change_endpoints_is_405(desk, client, case):
    signed_in(client, desk.agent)
    for action in ["reply", "note", "assign", "status", "priority", "tags", "presence"]:
        assert client.get(f"/cases/{case.pk}/{action}").status_code == 405


def test_changes_need_csrf(desk, case):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk.agent)
    response = strict.post(f"/cases/{case.pk}/status", {"status": "closed"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.NEW
