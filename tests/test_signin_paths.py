"""Every staff sign-in goes through caredesk's sign-in (issue 15, finding 7).

The URL map is walked for every view that signs someone in (``LoginView`` subclasses,
URL names or routes with "login"/"signin", the admin site's login). Each one either
redirects to caredesk's ``/login/`` without checking a password, or is caredesk's own
sign-in, which asks for the TOTP code and throttles attempts (tested below), or is on the
allow-list with the reason it cannot sign staff in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.views import LoginView
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.channels.portal.actions import do_send_magic_link
from caredesk.workspace import auth_views, saml_views, sso_views
from tests.conftest import NOW
from tests.workspace.test_login import PASSWORD, totp_code

# caredesk's sign-in: password, then the TOTP code when the user has a device; both steps
# rate-limited (the tests below prove it).
CAREDESK_SIGN_IN = {auth_views.login_view, auth_views.login_verify_view}
# caredesk's single sign-on: the provider's ID token (signature, iss, aud, exp, nonce),
# state and PKCE checked, the callback rate-limited, and caredesk's TOTP code asked when
# the provider did no second factor (tests/workspace/test_sso.py proves each).
CAREDESK_SIGN_IN |= {sso_views.sso_start_view, sso_views.sso_callback_view}
# caredesk's SAML sign-in: the signed Response (issuer, audience, destination, recipient,
# times, InResponseTo used once) checked, the ACS rate-limited, and caredesk's TOTP code
# asked unless the assertion's AuthnContextClassRef proves a second factor
# (tests/workspace/test_saml.py proves each).
CAREDESK_SIGN_IN |= {saml_views.saml_start_view, saml_views.saml_acs_view}

# Sign-in views that cannot sign staff in, each with its reason.
NOT_FOR_STAFF = {
    "portal:signin": "customer portal: a magic link is mailed to a customer's address only",
    "portal:signin_sent": "customer portal: the 'check your mail' page; signs nobody in",
    "workspace:login-saml-metadata": "caredesk's SAML metadata for the IdP; signs nobody in",
}


@dataclass
class Route:
    route: str
    name: str
    callback: Any

    @property
    def url(self) -> str:
        return "/" + self.route


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (ns, entry.namespace or "") if n)
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{ns}:{entry.name}" if ns and entry.name else entry.name or ""
            yield Route(prefix + str(entry.pattern), name, entry.callback)


def _is_sign_in(route: Route) -> bool:
    view_class = getattr(route.callback, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, LoginView):
        return True
    words = (route.name + " " + route.route).lower().replace("-", "").replace("_", "")
    return "login" in words or "signin" in words or route.name == "admin:login"


def sign_in_routes() -> list[Route]:
    return [r for r in _walk(get_resolver()) if _is_sign_in(r)]


def test_the_walk_finds_the_known_sign_in_views():
    names = {r.name for r in sign_in_routes()}
    assert {
        "admin:login",
        "workspace:login",
        "workspace:login-verify",
        "workspace:login-sso",
        "workspace:login-sso-callback",
        "workspace:login-saml",
        "workspace:login-saml-acs",
        "workspace:login-saml-metadata",
        "portal:signin",
    } <= names


def _redirects_to_caredesk_sign_in(response) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path == "/login/" and bool(parse_qs(location.query).get("next"))


@pytest.mark.parametrize("route", sign_in_routes(), ids=lambda r: r.name or r.route)
def test_no_sign_in_path_opens_the_desk_to_a_role_that_must_use_two_factor(
    desk, client, settings, route
):
    """With two-factor required for admins, the admin's right password on any sign-in
    path ends on the set-up page or the sign-in, never on a staff page (issue 17)."""
    if route.name in NOT_FOR_STAFF or "<" in route.route:
        return
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    fields = {"email": desk.admin.email, "username": desk.admin.email, "password": PASSWORD}
    response = client.post(route.url, fields, follow=True)
    final = response.redirect_chain[-1][0] if response.redirect_chain else route.url
    assert urlsplit(final).path in ("/account/", "/login/", route.url), final
    for staff_page in ("/", "/admin/", "/reports/"):
        page = client.get(staff_page)
        assert page.status_code == 302, staff_page
        assert page["Location"].split("?")[0] in (
            "/account/#two-factor",
            "/admin/login/",
            "/login/",
        )


@pytest.mark.parametrize("route", sign_in_routes(), ids=lambda r: r.name or r.route)
def test_every_sign_in_view_is_caredesks_or_redirects_to_it(desk, client, route):
    if route.callback in CAREDESK_SIGN_IN:
        return  # the two-factor check and rate limit are tested below
    if route.name in NOT_FOR_STAFF:
        assert NOT_FOR_STAFF[route.name].strip()
        return
    assert "<" not in route.route, f"{route.route}: a sign-in route with parameters"
    # The superuser's right password, posted straight to the view, signs nobody in.
    for response in (
        client.get(route.url),
        client.post(route.url, {"username": desk.admin.email, "password": PASSWORD}),
    ):
        assert _redirects_to_caredesk_sign_in(response), (
            f"{route.url} ({route.name}) neither is caredesk's sign-in nor redirects to it "
            f"(answered {response.status_code})"
        )
    assert "_auth_user_id" not in client.session


def test_admin_login_keeps_where_the_admin_wanted_to_go(desk, client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=%2Fadmin%2F"
    response = client.get("/admin/login/?next=https://evil.test/")
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


def test_portal_sign_in_never_signs_staff_in(desk):
    assert do_send_magic_link(desk.admin.email, NOW, None) is None


# --- the admin with TOTP -----------------------------------------------------------------


@pytest.fixture
def admin_device(desk):
    return TOTPDevice.objects.create(user=desk.admin, name="phone", confirmed=True)


def test_a_superuser_with_totp_is_not_let_in_by_the_password_alone(desk, client, admin_device):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": desk.admin.email, "password": PASSWORD}
    )
    assert _redirects_to_caredesk_sign_in(response)
    assert client.get("/admin/").status_code == 302
    # caredesk's sign-in asks for the code before the admin opens.
    step = client.post(
        "/login/", {"email": desk.admin.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert step["Location"] == "/login/verify/"
    assert client.get("/admin/").status_code == 302
    done = client.post("/login/verify/", {"code": totp_code(admin_device)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_refuses_a_session_that_did_not_pass_the_second_factor(
    desk, client, admin_device
):
    client.force_login(desk.admin)  # a password-only session
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert _redirects_to_caredesk_sign_in(response)
    assert "_auth_user_id" not in client.session  # signed out


def test_an_admin_without_totp_signed_in_through_caredesk_uses_the_admin(desk, client):
    client.post("/login/", {"email": desk.admin.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 200


def test_staff_without_admin_rights_get_a_refusal_not_a_redirect_loop(desk, client):
    client.post("/login/", {"email": desk.agent.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    refused = client.get("/admin/login/?next=/admin/")
    assert refused.status_code == 403 and "cannot use the admin" in refused.content.decode()


# --- the rate limit on what remains --------------------------------------------------------


def test_thirty_wrong_passwords_from_one_address_wait_after_five(desk, client):
    codes = [
        client.post(
            "/login/", {"email": desk.admin.email, "password": f"wrong {i}"}, REMOTE_ADDR="10.9.0.1"
        ).status_code
        for i in range(30)
    ]
    assert codes[:5] == [400] * 5
    assert codes[5:] == [429] * 25
    # The right password from that address waits too while the wait lasts.
    right = client.post(
        "/login/", {"email": desk.admin.email, "password": PASSWORD}, REMOTE_ADDR="10.9.0.1"
    )
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_thirty_wrong_passwords_at_the_admin_login_sign_nobody_in(desk, client):
    for i in range(30):
        response = client.post(
            "/admin/login/", {"username": desk.admin.email, "password": f"wrong {i}"}
        )
        assert _redirects_to_caredesk_sign_in(response)
    response = client.post("/admin/login/", {"username": desk.admin.email, "password": PASSWORD})
    assert _redirects_to_caredesk_sign_in(response)
    assert "_auth_user_id" not in client.session


def test_the_code_step_is_throttled_after_ten(desk, client, admin_device):
    client.post("/login/", {"email": desk.admin.email, "password": PASSWORD})
    codes = [client.post("/login/verify/", {"code": "000000"}).status_code for _ in range(30)]
    assert codes[10:] == [429] * 20
