from __future__ import annotations

from datetime import timedelta

from caredesk.workspace import presence
from caredesk.workspace.models import CasePresence
from tests.case_page import case_page_html
from tests.workspace.conftest import signed_in


def test_presence_shows_another_viewer(desk, client, case):
    signed_in(client, desk.lead)
    assert client.post(f"/cases/{case.pk}/presence").content.decode() == ""
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{case.pk}/presence", {"typing": "0"})
    assert response.status_code == 200
    assert "Lena Lead</strong> is viewing" in response.content.decode()
    # Ada is not told about herself.
    assert "Ada Agent" not in response.content.decode()


def test_presence_shows_typing(desk, client, case):
    signed_in(client, desk.lead)
    client.post(f"/cases/{case.pk}/presence", {"typing": "1"})
    signed_in(client, desk.agent)
    html = client.post(f"/cases/{case.pk}/presence").content.decode()
    assert "Lena Lead</strong> is typing a reply" in html


def test_stale_viewers_are_not_shown(desk, case):
    from django.utils import timezone

    moment = timezone.now()
    presence.touch_presence(case, desk.lead, typing=True, now=moment - timedelta(seconds=31))
    assert presence.other_viewers(case, desk.agent, now=moment) == []
    presence.touch_presence(case, desk.lead, typing=False, now=moment - timedelta(seconds=10))
    viewers = presence.other_viewers(case, desk.agent, now=moment)
    assert [(v.name, v.typing) for v in viewers] == [("Lena Lead", False)]


def test_one_row_per_viewer(desk, client, case):
    signed_in(client, desk.agent)
    for _ in range(3):
        client.post(f"/cases/{case.pk}/presence", {"typing": "1"})
    assert CasePresence.objects.filter(ticket=case, user=desk.agent).count() == 1


def test_presence_is_checked_for_access(desk, client, case):
    signed_in(client, desk.other_agent)
    assert client.post(f"/cases/{case.pk}/presence").status_code == 404
    assert not CasePresence.objects.exists()
    signed_in(client, desk.alice.user)
    assert client.post(f"/cases/{case.pk}/presence").status_code == 302
    assert not CasePresence.objects.exists()


def test_case_page_polls_presence(desk, client, case):
    signed_in(client, desk.agent)
    html = case_page_html(client, case.pk)
    assert f'hx-post="/cases/{case.pk}/presence"' in html and "every 10s" in html
    assert 'id="presence-typing"' in html
