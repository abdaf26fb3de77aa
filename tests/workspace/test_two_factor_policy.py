"""Two-factor sign-in required per role, and recovery codes (issue 17).

With CAREDESK_TWO_FACTOR_ROLES = admin, manager: an admin without an authenticator signs in
and is held on their account page until they set one up — every staff page, the admin and
their API tokens send them back — and cannot switch it off afterwards. Recovery codes sign
in once each when the phone is lost."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts.actions import do_create_api_token
from caredesk.core import clock
from caredesk.core.models import Event
from tests.workspace.test_login import PASSWORD, totp_code

pytestmark = pytest.mark.django_db
ENROL = "/account/#two-factor"


@pytest.fixture
def policy(settings):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin", "manager"]


def sign_in(client, email):
    return client.post("/login/", {"email": email, "password": PASSWORD})


def enrol(client, user) -> list[str]:
    client.post("/account/totp/start")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/totp/confirm", {"code": totp_code(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


@pytest.mark.parametrize("path", ["/", "/reports/", "/promises/", "/macros/", "/account/tokens"])
def test_an_admin_without_an_authenticator_is_held_on_the_account_page(desk, client, policy, path):
    response = sign_in(client, desk.admin.email)
    assert response.status_code == 302 and response["Location"] == ENROL
    page = client.get("/account/")
    assert page.status_code == 200
    assert "Your role requires two-factor sign-in" in page.content.decode()
    held = client.get(path) if path != "/account/tokens" else client.post(path, {"name": "x"})
    assert held.status_code == 302 and held["Location"] == ENROL


def test_the_admin_site_refuses_them_too(desk, client, policy):
    sign_in(client, desk.admin.email)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/")["Location"] == ENROL


def test_their_api_tokens_are_refused_until_they_enrol(desk, client, settings):
    token = do_create_api_token(user=desk.admin, name="ops", now=clock.now()).plaintext
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert "two-factor" in response.json()["error"]["message"].lower()
    TOTPDevice.objects.create(user=desk.admin, name="phone", confirmed=True)
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_agents_are_not_held_when_their_role_is_not_listed(desk, client, policy):
    assert sign_in(client, desk.agent.email)["Location"] == "/"
    assert client.get("/").status_code == 200


def test_after_setting_it_up_the_desk_opens_and_it_cannot_be_switched_off(desk, client, policy):
    sign_in(client, desk.admin.email)
    codes = enrol(client, desk.admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    device = TOTPDevice.objects.get(user=desk.admin, confirmed=True)
    refused = client.post("/account/totp/disable", {"code": totp_code(device)})
    assert refused.status_code == 409
    assert "requires two-factor" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=desk.admin, confirmed=True).exists()


def test_a_recovery_code_signs_in_once(desk, client):
    client.force_login(desk.agent)
    codes = enrol(client, desk.agent)
    client.post("/logout/")
    sign_in(client, desk.agent.email)
    response = client.post("/login/verify/", {"code": codes[0].upper()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert StaticToken.objects.filter(device__user=desk.agent).count() == 9
    client.post("/logout/")
    sign_in(client, desk.agent.email)
    again = client.post("/login/verify/", {"code": codes[0]})
    assert again.status_code == 400


def test_new_recovery_codes_void_the_old_and_need_the_current_code(desk, client):
    client.force_login(desk.agent)
    old = enrol(client, desk.agent)
    device = TOTPDevice.objects.get(user=desk.agent, confirmed=True)
    response = client.post("/account/totp/recovery", {"code": totp_code(device, offset=1)})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert client.post("/account/totp/recovery", {"code": "000000"}).status_code == 400
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    made = Event.objects.filter(kind="totp.recovery_codes_made")
    assert made.count() == 2
    assert not any(code in str(e.data) for e in made for code in new + old)


def test_switching_two_factor_off_removes_the_recovery_codes(desk, client):
    client.force_login(desk.agent)
    enrol(client, desk.agent)
    device = TOTPDevice.objects.get(user=desk.agent, confirmed=True)
    client.post("/account/totp/disable", {"code": totp_code(device, offset=1)})
    assert not StaticToken.objects.filter(device__user=desk.agent).exists()


@pytest.mark.parametrize(
    "code", ["'; drop table x; --", "a" * 5000, "\x00\x01", "\uff11\uff12\uff13\uff14\uff15\uff16"]
)
def test_hostile_codes_at_the_code_step_are_refused_plainly(desk, client, code):
    TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    sign_in(client, desk.agent.email)
    response = client.post("/login/verify/", {"code": code})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
