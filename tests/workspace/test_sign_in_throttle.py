"""Someone guessing an account's password slows only themselves (issue 17): the owner
signs in from elsewhere, is told about the guessing, and an admin can unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.accounts import throttle
from caredesk.accounts.actions import do_unlock_sign_in
from caredesk.accounts.models import PasswordThrottle
from caredesk.core import clock
from caredesk.core.errors import PermissionDenied
from caredesk.core.models import Event, Notification
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
ATTACKER = "198.51.100.7"
OWNER = "203.0.113.20"


def attempt(client, email, password, ip):
    return client.post("/login/", {"email": email, "password": password}, REMOTE_ADDR=ip)


def guess(client, email, times, ip=ATTACKER):
    return [attempt(client, email, f"guess {i}", ip).status_code for i in range(times)]


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(1, 0), (4, 0), (5, 1), (6, 2), (7, 4), (10, 32), (11, 60), (50, 60), (10**6, 60)],
)
def test_the_wait_doubles_after_five_wrong_passwords_up_to_an_hour(failures, minutes):
    assert throttle.wait_after(failures) == timedelta(minutes=minutes)


def test_the_owner_signs_in_from_elsewhere_while_the_guesser_waits(desk, client):
    assert guess(client, desk.agent.email, 8) == [400] * 5 + [429] * 3
    response = attempt(client, desk.agent.email, PASSWORD, OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(desk.agent.pk)


def test_the_owner_is_told_once_when_an_address_starts_waiting(desk, client, settings):
    guess(client, desk.agent.email, 12)
    notes = Notification.objects.filter(recipient_id=desk.agent.pk, kind="sign_in_guessing")
    assert notes.count() == 1
    note = notes.get()
    assert "5 wrong passwords" in note.subject
    assert ATTACKER in note.body


def test_the_wait_ends_and_the_right_password_clears_the_count(desk, client, monkeypatch):
    start = clock.now()
    guess(client, desk.agent.email, 5)
    assert attempt(client, desk.agent.email, PASSWORD, ATTACKER).status_code == 429
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=2))
    assert attempt(client, desk.agent.email, PASSWORD, ATTACKER).status_code == 302
    assert not PasswordThrottle.objects.filter(email=desk.agent.email).exists()


def test_guesses_for_unknown_accounts_answer_like_known_ones(desk, client):
    known = guess(client, desk.agent.email, 6)
    unknown = guess(client, "nobody@desk.test", 6, ip="198.51.100.8")
    assert known == unknown == [400] * 5 + [429]
    assert (
        not Notification.objects.filter(kind="sign_in_guessing")
        .exclude(recipient_id=desk.agent.pk)
        .exists()
    )


def test_an_admin_unlocks_every_address_of_an_account_and_it_is_audited(desk, client):
    guess(client, desk.agent.email, 6)
    guess(client, desk.agent.email, 6, ip="198.51.100.9")
    assert do_unlock_sign_in(actor=desk.admin, email="ADA@desk.test", now=clock.now()) == 2
    assert attempt(client, desk.agent.email, PASSWORD, ATTACKER).status_code == 302
    event = Event.objects.filter(kind="staff.sign_in_unlocked").get()
    assert event.actor_id == desk.admin.pk
    assert {p["ip"] for p in event.data["old"]["waiting"]} == {ATTACKER, "198.51.100.9"}


def test_only_admins_unlock(desk):
    for person in (desk.agent, desk.lead, desk.manager):
        with pytest.raises(PermissionDenied):
            do_unlock_sign_in(actor=person, email=desk.agent.email, now=clock.now())


def test_unlock_through_the_api(desk, client):
    from caredesk.accounts.actions import do_create_api_token

    guess(client, desk.agent.email, 6)
    admin_token = do_create_api_token(user=desk.admin, name="ops", now=clock.now()).plaintext
    agent_token = do_create_api_token(user=desk.lead, name="x", now=clock.now()).plaintext
    url = f"/api/v1/staff/{desk.agent.pk}/unlock-password"
    refused = client.post(url, HTTP_AUTHORIZATION=f"Bearer {agent_token}")
    assert refused.status_code == 403
    response = client.post(url, HTTP_AUTHORIZATION=f"Bearer {admin_token}")
    assert response.status_code == 200
    assert response.json() == {"cleared": 1}
    assert (
        client.post(
            "/api/v1/staff/999999/unlock-password", HTTP_AUTHORIZATION=f"Bearer {admin_token}"
        ).status_code
        == 404
    )


def test_a_forged_forwarded_address_cannot_dodge_or_break_the_count(desk, client, settings):
    for i in range(6):
        response = client.post(
            "/login/",
            {"email": desk.agent.email, "password": "nope"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, not-an-ip\x00",
        )
    assert response.status_code == 429
    assert list(PasswordThrottle.objects.values_list("ip", flat=True)) == [ATTACKER]


def test_old_counts_are_forgotten(desk, client):
    guess(client, desk.agent.email, 3)
    later = clock.now() + throttle.FORGET_AFTER + timedelta(minutes=1)
    assert throttle.forget_old(later) == 1
    assert throttle.forget_old(later) == 0


def test_a_deactivated_account_is_not_notified(desk, client):
    gone = make_staff("gone@desk.test")
    gone.is_active = False
    gone.save()
    guess(client, gone.email, 6)
    assert not Notification.objects.filter(recipient_id=gone.pk).exists()
