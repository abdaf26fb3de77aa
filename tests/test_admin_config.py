"""The Django admin saves staff, teams, calendars, policies and tier rules through the
same audited actions as the API (one way), and shows an action's refusal as a message."""

from __future__ import annotations

import pytest

from caredesk.accounts.actions import do_create_api_token
from caredesk.accounts.models import ApiToken, Membership, Role, Team, User
from caredesk.core.models import Event
from caredesk.sla.models import BusinessCalendar, SlaPolicy, TierRule
from caredesk.tickets.models import AuditEvent


@pytest.fixture
def admin_client(client, desk):
    client.force_login(desk.admin)
    return client


def test_a_team_saved_in_the_admin_is_audited_with_its_members(admin_client, desk):
    response = admin_client.post(
        "/admin/accounts/team/add/",
        {
            "name": "Returns",
            "slug": "returns",
            "lead": desk.lead.pk,
            "description": "",
            "staff_members": [desk.agent.pk],
        },
    )
    assert response.status_code == 302, response.content[:3000]
    team = Team.objects.get(name="Returns")
    assert set(Membership.objects.filter(team=team).values_list("user_id", flat=True)) == {
        desk.lead.pk,
        desk.agent.pk,
    }
    assert Event.objects.get(kind="team.created").actor_id == desk.admin.pk


def test_staff_added_and_deactivated_in_the_admin_go_through_the_actions(admin_client, desk, now):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Neo@Desk.test",
            "name": "Neo",
            "role": "agent",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    neo = User.objects.get(email="neo@desk.test")
    assert neo.check_password("a long enough passphrase 42")
    assert Event.objects.filter(kind="staff.created").count() == 1
    do_create_api_token(user=desk.agent, name="script", now=now)
    response = admin_client.post(
        f"/admin/accounts/user/{desk.agent.pk}/change/",
        {"name": desk.agent.name, "role": "agent"},  # is_active unticked
    )
    assert response.status_code == 302, response.content[:3000]
    desk.agent.refresh_from_db()
    assert not desk.agent.is_active
    assert not ApiToken.objects.filter(user=desk.agent, revoked_at__isnull=True).exists()
    assert Event.objects.filter(kind="staff.deactivated").count() == 1


def test_a_refused_change_is_a_message_not_a_server_error(admin_client, desk):
    response = admin_client.post(
        f"/admin/accounts/user/{desk.admin.pk}/change/",
        {"name": "Root Admin", "role": "agent", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"last active admin" in response.content
    desk.admin.refresh_from_db()
    assert desk.admin.role == Role.ADMIN
    # Nobody is deleted.
    assert admin_client.get(f"/admin/accounts/user/{desk.agent.pk}/delete/").status_code == 403


def test_overlapping_hours_are_refused_in_the_admin(admin_client, desk):
    data = {
        "name": "Overlap",
        "time_zone": "UTC",
        "holiday_country": "",
        "holiday_subdivision": "",
        "description": "",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-start": "09:00",
        "hours-0-end": "17:00",
        "hours-1-weekday": "0",
        "hours-1-start": "16:00",
        "hours-1-end": "18:00",
        "closed_dates-TOTAL_FORMS": "0",
        "closed_dates-INITIAL_FORMS": "0",
    }
    response = admin_client.post("/admin/sla/businesscalendar/add/", data)
    assert response.status_code == 200 and b"overlap" in response.content
    assert not BusinessCalendar.objects.filter(name="Overlap").exists()
    data.update({"name": "Fine", "hours-1-start": "17:00"})
    assert admin_client.post("/admin/sla/businesscalendar/add/", data).status_code == 302
    assert AuditEvent.objects.filter(verb="sla_calendar_created").count() == 1


def test_policy_and_tier_rule_saved_in_the_admin_are_audited(admin_client, desk):
    cal = BusinessCalendar.objects.create(name="24/7", always_open=True)
    response = admin_client.post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Std",
            "order": "1",
            "calendar": cal.pk,
            "first_response_minutes": "60",
            "warn_at_percent": "75",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert SlaPolicy.objects.get(name="Std").first_response_minutes == 60
    assert AuditEvent.objects.filter(verb="sla_policy_created").count() == 1
    response = admin_client.post(
        "/admin/sla/tierrule/add/",
        {"tier": "vip", "weight": "0.5", "max_wait_minutes": "120", "bound_clock": "business"},
    )
    assert response.status_code == 302, response.content[:3000]
    assert TierRule.objects.get(tier="vip").max_wait_minutes == 120
    assert AuditEvent.objects.filter(verb="sla_tier_rule_changed").count() == 1
