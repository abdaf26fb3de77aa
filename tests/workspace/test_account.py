from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts.actions import authenticate_token
from caredesk.accounts.models import ApiToken
from caredesk.core.models import Event
from tests.workspace.conftest import assert_no_inline_script, signed_in
from tests.workspace.test_login import PASSWORD, totp_code


def test_account_page(desk, client):
    signed_in(client, desk.agent)
    response = client.get("/account/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Two-factor sign-in" in html and "API tokens" in html and "Mark me away" in html
    assert_no_inline_script(html)


def test_create_show_once_list_and_revoke_token(desk, client, now):
    signed_in(client, desk.agent)
    response = client.post("/account/tokens", {"name": "Reporting script"})
    assert response.status_code == 200
    html = response.content.decode()
    plaintext = re.search(r'id="new-token" value="(cd_[^"]+)"', html).group(1)
    assert authenticate_token(plaintext, now=now).user == desk.agent
    # Shown once: the next page load lists the token but not its secret.
    again = client.get("/account/").content.decode()
    assert "Reporting script" in again and plaintext not in again
    token = ApiToken.objects.get(user=desk.agent)
    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_token(plaintext, now=now) is None
    assert Event.objects.filter(kind="api_token.revoked", actor_id=desk.agent.pk).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 500])
def test_bad_token_names_are_refused(desk, client, name):
    signed_in(client, desk.agent)
    response = client.post("/account/tokens", {"name": name})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(desk, client, now):
    from caredesk.accounts.actions import do_create_api_token

    issued = do_create_api_token(user=desk.lead, name="Lena's", now=now)
    signed_in(client, desk.agent)
    response = client.post(f"/account/tokens/{issued.token.pk}/revoke")
    assert response.status_code == 404
    assert client.post("/account/tokens/99999999999999999999999/revoke").status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_away_toggle(desk, client):
    signed_in(client, desk.agent)
    client.post("/account/away", {"away": "1"})
    desk.agent.refresh_from_db()
    assert desk.agent.is_away
    assert 'class="badge away"' in client.get("/").content.decode()
    client.post("/account/away", {"away": "0"})
    desk.agent.refresh_from_db()
    assert not desk.agent.is_away
    assert Event.objects.filter(kind="staff.away_changed").count() == 2


def test_enable_totp_then_sign_in_with_code(desk, client):
    signed_in(client, desk.agent)
    assert client.post("/account/totp/start").status_code == 302
    html = client.get("/account/").content.decode()
    assert "otpauth://totp/" in html and "<svg" in html
    assert_no_inline_script(html)
    device = TOTPDevice.objects.get(user=desk.agent, confirmed=False)
    wrong = client.post("/account/totp/confirm", {"code": "abc"})
    assert wrong.status_code == 400
    ok = client.post("/account/totp/confirm", {"code": totp_code(device)})
    # Rendered, not redirected: the ten recovery codes are shown this once.
    assert ok.status_code == 200
    assert ok.content.decode().count("<li><code>") == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    # This session proved the code, so it stays signed in.
    assert client.get("/").status_code == 200
    assert Event.objects.filter(kind="totp.enabled", actor_id=desk.agent.pk).exists()
    client.post("/logout/")
    response = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert response["Location"] == "/login/verify/"
    ok = client.post("/login/verify/", {"code": totp_code(device, offset=1)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_disable_totp_needs_a_code(desk, client):
    device = TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    client.post("/login/verify/", {"code": totp_code(device)})
    refused = client.post("/account/totp/disable", {"code": "12"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=desk.agent).exists()
    ok = client.post("/account/totp/disable", {"code": totp_code(device, offset=1)})
    assert ok.status_code == 302
    assert not TOTPDevice.objects.filter(user=desk.agent).exists()
    assert client.get("/").status_code == 200
