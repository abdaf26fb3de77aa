from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts.models import Role, User
from tests.workspace.conftest import assert_no_inline_script

PASSWORD = "correct horse battery"


def totp_code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def test_login_page_renders_without_inline_script_and_with_csp(desk, client):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' in html and 'name="password"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert_no_inline_script(html)


def test_staff_signs_in_and_lands_on_the_inbox(desk, client):
    response = client.post("/login/", {"email": "Ada@Desk.test ", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    inbox = client.get("/")
    assert inbox.status_code == 200 and "Ada Agent" in inbox.content.decode()


def test_next_is_followed_only_when_it_stays_on_site(desk, client):
    response = client.post(
        "/login/", {"email": "ada@desk.test", "password": PASSWORD, "next": "/search?q=x"}
    )
    assert response["Location"] == "/search?q=x"
    client.post("/logout/")
    response = client.post(
        "/login/",
        {"email": "ada@desk.test", "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == "/"


def test_wrong_password_is_refused_with_a_clear_message(desk, client):
    response = client.post("/login/", {"email": "ada@desk.test", "password": "nope"})
    assert response.status_code == 400
    assert "Email or password is wrong." in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "not-an-email", "password": "x"},
        {"email": "a" * 5000 + "@x.test", "password": "x"},
        {"email": "<script>alert(1)</script>", "password": "x" * 5000},
    ],
)
def test_malformed_login_posts_are_refused_not_500(desk, client, data):
    response = client.post("/login/", data)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_customer_is_refused_and_pointed_to_the_portal(desk, client):
    desk.alice.user.set_password(PASSWORD)
    desk.alice.user.save()
    response = client.post("/login/", {"email": "alice@acme.test", "password": PASSWORD})
    assert response.status_code == 400
    html = response.content.decode()
    assert "for staff" in html and 'href="/portal/"' in html
    assert "_auth_user_id" not in client.session


def test_signed_in_customer_is_sent_to_the_portal_from_staff_pages(desk, client, case):
    client.force_login(desk.alice.user)
    for url in ["/", f"/cases/{case.pk}/", "/search?q=vase", "/account/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/portal/", url


def test_anonymous_visitors_are_sent_to_sign_in(desk, client, case):
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_inactive_staff_cannot_sign_in(desk, client):
    User.objects.filter(pk=desk.agent.pk).update(is_active=False)
    response = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert response.status_code == 400


def test_logout_needs_post(desk, client):
    client.force_login(desk.agent)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_wrong_passwords_make_that_address_wait_for_that_account(desk, client):
    for _ in range(5):
        client.post("/login/", {"email": "ada@desk.test", "password": "wrong"})
    response = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "try again in 1 minute" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_per_ip_across_emails(desk, client):
    for i in range(10):
        client.post("/login/", {"email": f"nobody{i}@desk.test", "password": "wrong"})
    response = client.post("/login/", {"email": "max@desk.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()


def test_rate_limit_is_per_ip(desk, client):
    for _ in range(10):
        client.post("/login/", {"email": "x@desk.test", "password": "w"}, REMOTE_ADDR="10.0.0.1")
    ok = client.post(
        "/login/", {"email": "max@desk.test", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert ok.status_code == 302


def test_totp_user_needs_a_second_step(desk, client):
    device = TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    response = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    # Not signed in yet: staff pages still send us to sign in.
    assert client.get("/").status_code == 302
    page = client.get("/login/verify/")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    wrong = client.post(
        "/login/verify/", {"code": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "did not match" in wrong.content.decode()
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    ok = client.post("/login/verify/", {"code": totp_code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("code", ["", "abc", "1" * 50, "<script>", "12 34 5"])
def test_bogus_totp_codes_are_refused(desk, client, code):
    TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    response = client.post("/login/verify/", {"code": code})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_verify_step_without_a_pending_sign_in_goes_back(desk, client):
    response = client.get("/login/verify/")
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_totp_step_is_rate_limited(desk, client):
    TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    for _ in range(10):
        client.post("/login/verify/", {"code": "123456"})
    response = client.post("/login/verify/", {"code": "123456"})
    assert response.status_code == 429


def test_session_without_the_second_factor_is_not_enough(desk, client):
    """A user who turned TOTP on must pass the code; an old plain session is signed out."""
    client.force_login(desk.agent)
    TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "backend",
    ["caredesk.accounts.backends.SignedInUserBackend", "django.contrib.auth.backends.ModelBackend"],
)
def test_a_device_confirmed_elsewhere_signs_out_every_unverified_session(desk, client, backend):
    """The TOTP state read with the user is fresh on every request, whichever backend
    loaded the session (sessions from before the combined query use ModelBackend)."""
    client.force_login(desk.agent, backend=backend)
    assert client.get("/").status_code == 200
    TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_password_sign_in_still_checks_the_password(desk, client):
    """The first backend only loads users; ModelBackend still decides who signs in."""
    from django.contrib.auth import authenticate

    assert authenticate(None, username="ada@desk.test", password="wrong") is None
    user = authenticate(None, username="ada@desk.test", password=PASSWORD)
    assert user == desk.agent
    response = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert response.status_code == 302 and client.get("/").status_code == 200
    desk.agent.is_active = False
    desk.agent.save()
    assert client.get("/").status_code == 302


def test_customer_role_constant_is_refused_even_with_staff_flag(desk, client):
    user = User.objects.create_user(
        "weird@x.test", PASSWORD, name="Weird", role=Role.CUSTOMER, is_staff=True
    )
    assert user.is_customer
    response = client.post("/login/", {"email": "weird@x.test", "password": PASSWORD})
    assert response.status_code == 400
