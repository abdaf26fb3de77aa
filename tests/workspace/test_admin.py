from __future__ import annotations

import pytest

from caredesk.tickets.models import AuditEvent, Status
from tests.workspace.conftest import signed_in


@pytest.mark.parametrize(
    "path",
    [
        "accounts/user",
        "accounts/team",
        "accounts/apitoken",
        "customers/organization",
        "customers/customer",
        "tickets/ticket",
        "tickets/tag",
        "tickets/auditevent",
        "core/event",
    ],
)
def test_admin_lists_load(desk, client, case, path):
    signed_in(client, desk.admin)
    assert client.get(f"/admin/{path}/").status_code == 200
    assert client.get(f"/admin/{path}/add/").status_code in (200, 403)


def test_admin_forms_for_users_teams_and_customers(desk, client, case):
    signed_in(client, desk.admin)
    assert client.get(f"/admin/accounts/user/{desk.agent.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/team/{desk.billing.pk}/change/").status_code == 200
    assert client.get(f"/admin/customers/customer/{desk.alice.pk}/change/").status_code == 200
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Desk.test",
            "name": "New Person",
            "role": "agent",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from caredesk.accounts.models import User

    assert User.objects.filter(email="new@desk.test").exists()


def test_tickets_and_audit_cannot_be_edited_in_admin(desk, client, case):
    signed_in(client, desk.admin)
    assert client.get("/admin/tickets/ticket/add/").status_code == 403
    view = client.get(f"/admin/tickets/ticket/{case.pk}/change/")
    assert view.status_code == 200
    assert 'name="status"' not in view.content.decode()
    response = client.post(f"/admin/tickets/ticket/{case.pk}/change/", {"status": "closed"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.NEW
    event = AuditEvent.objects.filter(ticket=case).first()
    assert client.get("/admin/tickets/auditevent/add/").status_code == 403
    assert (
        client.post(f"/admin/tickets/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_link_only_for_admins(desk, client):
    signed_in(client, desk.agent)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    signed_in(client, desk.admin)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_agents_cannot_use_admin(desk, client):
    signed_in(client, desk.agent)
    assert client.get("/admin/tickets/ticket/").status_code == 302
