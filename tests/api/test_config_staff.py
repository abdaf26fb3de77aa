"""Staff accounts, teams and API token metadata through the API."""

from __future__ import annotations

import pytest

from caredesk.accounts.models import ApiToken, Membership, Role, Team, User
from caredesk.core.models import Event
from caredesk.sla.models import BusinessCalendar, SlaPolicy
from caredesk.tickets.models import AuditEvent, Ticket
from tests.api.conftest import ApiClient, assert_error, open_case, token_for

STAFF = "/api/v1/staff"
TEAMS = "/api/v1/teams"


def test_admin_adds_staff_who_can_sign_in(desk, api, client):
    body = {
        "email": " New.Agent@Desk.test ",
        "name": "New  Agent",
        "role": "lead",
        "password": "a long enough passphrase 42",
    }
    response = api.admin.post(STAFF, body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["email"] == "new.agent@desk.test" and made["name"] == "New Agent"
    assert made["role"] == "lead" and made["is_active"] and made["open_cases"] == 0
    user = User.objects.get(pk=made["id"])
    assert user.check_password("a long enough passphrase 42") and not user.is_staff
    event = Event.objects.get(kind="staff.created")
    assert event.actor_id == desk.admin.pk and "password" not in str(event.data)
    assert api.lead.get(f"{STAFF}/{user.pk}").json() == made
    # An admin gets the admin pages; without a password nobody can sign in yet.
    admin = api.admin.post(STAFF, {"email": "a2@desk.test", "name": "Second", "role": "admin"})
    second = User.objects.get(pk=admin.json()["id"])
    assert second.is_staff and second.is_superuser and not second.has_usable_password()


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"email": "ada@desk.test"}, 409, "email_taken"),
        ({"email": "ADA@desk.test"}, 409, "email_taken"),
        ({"email": "not an address"}, 422, "invalid_email"),
        ({"role": "customer"}, 422, "validation_error"),
        ({"role": "superhero"}, 422, "validation_error"),
        ({"name": ""}, 422, "validation_error"),
        ({"name": "x" * 151}, 422, "validation_error"),
        ({"email": "x" * 250 + "@a.test"}, 422, "validation_error"),
        ({"password": "123"}, 422, "weak_password"),
        ({"is_superuser": True}, 422, "validation_error"),
        ({"name": ["list"]}, 422, "validation_error"),
    ],
)
def test_bad_staff_are_refused_and_nothing_is_written(desk, api, body, status, code):
    before = User.objects.count()
    payload = {"email": "eve@desk.test", "name": "Eve", "role": "agent", **body}
    assert_error(api.admin.post(STAFF, payload), status, code)
    assert User.objects.count() == before
    assert not Event.objects.filter(kind="staff.created").exists()


def test_staff_permissions(desk, api):
    body = {"email": "eve@desk.test", "name": "Eve"}
    url = f"{STAFF}/{desk.agent.pk}"
    for client, status in ((api.anonymous, 401), (api.alice, 403), (api.agent, 403)):
        assert_error(client.get(STAFF), status)
    for client in (api.agent, api.lead, api.manager):
        assert_error(client.post(STAFF, body), 403, "admins_only")
        assert_error(client.patch(url, {"role": "admin"}), 403, "admins_only")
        assert_error(client.post(f"{url}/deactivate"), 403, "admins_only")
        assert_error(client.post(f"{url}/reactivate"), 403, "admins_only")
    assert_error(api.alice.post(STAFF, body), 403, "staff_only")
    desk.agent.refresh_from_db()
    assert desk.agent.role == Role.AGENT and desk.agent.is_active
    assert not User.objects.filter(email="eve@desk.test").exists()
    listed = api.lead.get(STAFF).json()
    assert {s["email"] for s in listed["items"]} >= {"ada@desk.test", "root@desk.test"}
    assert "alice@acme.test" not in {s["email"] for s in listed["items"]}
    assert_error(api.lead.get(f"{STAFF}/{desk.alice.user.pk}"), 404, "not_found")
    assert_error(api.admin.patch(f"{STAFF}/999999", {"name": "x"}), 404, "not_found")


def test_role_changes_and_the_last_admin(desk, api):
    url = f"{STAFF}/{desk.agent.pk}"
    assert api.admin.patch(url, {"role": "manager", "name": "Ada A."}).json()["role"] == "manager"
    event = Event.objects.get(kind="staff.changed")
    assert event.data["old"]["role"] == "agent" and event.data["new"]["role"] == "manager"
    assert_error(api.admin.patch(url, {"role": None}), 422, "null_not_allowed")
    # The only admin cannot stop being one, nor be deactivated.
    me = f"{STAFF}/{desk.admin.pk}"
    assert_error(api.admin.patch(me, {"role": "agent"}), 409, "last_admin")
    assert_error(api.admin.post(f"{me}/deactivate"), 409, "self_deactivation")
    desk.admin.refresh_from_db()
    assert desk.admin.role == Role.ADMIN and desk.admin.is_superuser


def test_deactivation_revokes_tokens_and_hands_open_cases_back_to_the_queue(desk, api, now):
    case = open_case(desk, now, team=desk.billing)
    from caredesk.tickets.actions import do_assign

    do_assign(case, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
    url = f"{STAFF}/{desk.agent.pk}"
    assert api.admin.get(url).json()["open_cases"] == 1
    done = api.admin.post(f"{url}/deactivate")
    assert done.status_code == 200, done.content
    assert done.json()["is_active"] is False and done.json()["open_cases"] == 0
    # The agent's token no longer works; the case waits in the team queue.
    assert_error(api.agent.get("/api/v1/me"), 401)
    assert not ApiToken.objects.filter(user=desk.agent, revoked_at__isnull=True).exists()
    ticket = Ticket.objects.get(pk=case.pk)
    assert ticket.assignee_id is None and ticket.team_id == desk.billing.pk
    assert AuditEvent.objects.filter(ticket=ticket, verb="assigned", actor=desk.admin).count() == 1
    # Again: nothing more happens. Then back, with a new token.
    assert api.admin.post(f"{url}/deactivate").json()["is_active"] is False
    assert Event.objects.filter(kind="staff.deactivated").count() == 1
    assert api.admin.post(f"{url}/reactivate").json()["is_active"] is True
    assert ApiClient(token_for(desk.agent, now)).get("/api/v1/me").status_code == 200
    assert list(api.admin.get(STAFF, {"active": "false"}).json()["items"]) == []


# --- teams ----------------------------------------------------------------------------


def test_admin_creates_and_changes_a_team(desk, api):
    body = {"name": "Returns", "lead_id": desk.lead.pk, "member_ids": [desk.agent.pk]}
    response = api.admin.post(TEAMS, body)
    assert response.status_code == 201, response.content
    team = response.json()
    assert team["slug"] == "returns" and team["lead"]["id"] == desk.lead.pk
    assert {m["id"] for m in team["members"]} == {desk.lead.pk, desk.agent.pk}
    url = f"{TEAMS}/{team['id']}"
    changed = api.admin.patch(url, {"member_ids": [desk.other_agent.pk], "lead_id": None})
    assert changed.status_code == 200, changed.content
    assert changed.json()["lead"] is None
    assert {m["id"] for m in changed.json()["members"]} == {desk.other_agent.pk}
    event = Event.objects.get(kind="team.changed")
    assert event.data["old"]["members"] == sorted([desk.lead.pk, desk.agent.pk])
    assert_error(api.admin.patch(url, {"name": "billing"}), 409, "name_taken")
    assert_error(api.admin.patch(url, {"member_ids": None}), 422, "null_not_allowed")
    assert_error(api.admin.patch(url, {"member_ids": [999999]}), 422, "unknown_staff")
    assert_error(api.admin.patch(url, {"lead_id": desk.alice.user.pk}), 422, "unknown_staff")
    assert api.agent.get(url).json() == changed.json()
    assert api.admin.delete(url).status_code == 204
    assert not Team.objects.filter(pk=team["id"]).exists()


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"name": "Billing"}, 409, "name_taken"),
        ({"name": "Other", "slug": "billing"}, 409, "slug_taken"),
        ({"name": "!!!"}, 422, "invalid_slug"),
        ({"name": "x" * 101}, 422, "validation_error"),
        ({"name": "T", "member_ids": [0]}, 422, "validation_error"),
        ({"name": "T", "member_ids": list(range(1, 502))}, 422, "validation_error"),
        ({"name": "T", "lead_id": "lena"}, 422, "validation_error"),
        ({"name": "T", "description": "x" * 5001}, 422, "validation_error"),
    ],
)
def test_bad_teams_are_refused(desk, api, body, status, code):
    memberships = Membership.objects.count()
    assert_error(api.admin.post(TEAMS, body), status, code)
    assert Team.objects.count() == 2 and Membership.objects.count() == memberships


def test_team_permissions_and_teams_in_use(desk, api, now):
    url = f"{TEAMS}/{desk.delivery.pk}"
    for client in (api.agent, api.lead, api.manager):
        assert_error(client.post(TEAMS, {"name": "X"}), 403, "admins_only")
        assert_error(client.patch(url, {"name": "X"}), 403, "admins_only")
        assert_error(client.delete(url), 403, "admins_only")
    assert_error(api.alice.delete(url), 403, "staff_only")
    assert_error(api.anonymous.delete(url), 401)
    open_case(desk, now, team=desk.delivery)
    assert_error(api.admin.delete(url), 409, "team_in_use")
    cal = BusinessCalendar.objects.create(name="C", always_open=True)
    SlaPolicy.objects.create(name="B", calendar=cal, team=desk.billing, first_response_minutes=5)
    assert_error(api.admin.delete(f"{TEAMS}/{desk.billing.pk}"), 409, "team_in_use")
    assert Team.objects.count() == 2
    assert_error(api.admin.delete(f"{TEAMS}/999999"), 404)


# --- tokens ---------------------------------------------------------------------------


def test_token_metadata_admins_see_all_everyone_else_their_own(desk, api):
    everyone = api.admin.get("/api/v1/tokens", {"limit": 100}).json()["items"]
    owners = {t["owner"]["id"] for t in everyone}
    assert {desk.agent.pk, desk.lead.pk, desk.manager.pk, desk.admin.pk} <= owners
    for client, user in (
        (api.lead, desk.lead),
        (api.manager, desk.manager),
        (api.agent, desk.agent),
    ):
        mine = client.get("/api/v1/tokens").json()["items"]
        assert mine and {t["owner"]["id"] for t in mine} == {user.pk}
    assert all("secret" not in str(t).lower() for t in everyone)
    assert_error(api.alice.get("/api/v1/tokens"), 403, "staff_only")
    assert_error(api.anonymous.get("/api/v1/tokens"), 401)
    # An admin revokes anyone's token; a lead cannot revoke someone else's.
    agents = ApiToken.objects.get(user=desk.agent)
    assert_error(api.lead.post(f"/api/v1/tokens/{agents.pk}/revoke"), 404)
    assert api.admin.post(f"/api/v1/tokens/{agents.pk}/revoke").json()["revoked_at"]
    assert_error(api.agent.get("/api/v1/me"), 401)
