from __future__ import annotations

import pytest

from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from tests.case_page import case_page_html
from tests.workspace.conftest import open_case, signed_in


@pytest.fixture
def files(desk, now):
    case = open_case(
        desk,
        now,
        team=desk.billing,
        files=[IncomingFile("rapport été.pdf", b"%PDF-1.4 customer", "application/pdf")],
    )
    note = actions.do_add_note(
        case,
        agent=desk.agent,
        body="internal",
        now=now,
        files=[IncomingFile("evil.html", b"<script>alert(1)</script>", "text/html")],
    )
    public = case.messages.get(kind="customer").attachments.get()
    return case, public, note.attachments.get()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_staff_download_is_an_attachment_with_nosniff(desk, client, files):
    _, public, _ = files
    signed_in(client, desk.agent)
    response = client.get(f"/attachments/{public.pk}/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "rapport" in response["Content-Disposition"]
    assert body(response) == b"%PDF-1.4 customer"


def test_active_content_is_never_served_as_html(desk, client, files):
    _, _, internal = files
    signed_in(client, desk.agent)
    response = client.get(f"/attachments/{internal.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_customer_downloads_public_attachment_of_own_case(desk, client, files):
    _, public, internal = files
    signed_in(client, desk.alice.user)
    assert client.get(f"/attachments/{public.pk}/").status_code == 200
    # Internal note attachments are staff-only.
    assert client.get(f"/attachments/{internal.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["bob", "other_agent"])
def test_others_get_404(desk, client, files, who):
    _, public, internal = files
    user = desk.bob.user if who == "bob" else desk.other_agent
    signed_in(client, user)
    assert client.get(f"/attachments/{public.pk}/").status_code == 404
    assert client.get(f"/attachments/{internal.pk}/").status_code == 404


def test_anonymous_is_sent_to_sign_in(desk, client, files):
    _, public, _ = files
    response = client.get(f"/attachments/{public.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_missing_file_on_disk_is_404_not_500(desk, client, files):
    _, public, _ = files
    public.file.storage.delete(public.file.name)
    signed_in(client, desk.agent)
    assert client.get(f"/attachments/{public.pk}/").status_code == 404


def test_attachment_links_appear_on_the_case(desk, client, files):
    case, public, internal = files
    signed_in(client, desk.agent)
    html = case_page_html(client, case.pk)
    assert f'href="/attachments/{public.pk}/"' in html
    assert f'href="/attachments/{internal.pk}/"' in html
