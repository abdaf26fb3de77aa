"""Staff single sign-on with OpenID Connect, against a real provider on 127.0.0.1
(tests/sso_provider.py): real RS256 ID tokens, a JWKS, PKCE and single-use codes.

The browser's part is played by the test: caredesk's redirect is followed by calling the
provider over HTTP, and the provider's redirect back by calling caredesk's callback.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts import sso
from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.core.models import Event
from tests.sso_provider import CLIENT_ID, CLIENT_SECRET, Person, Provider
from tests.workspace.test_login import PASSWORD, totp_code


@pytest.fixture(scope="module")
def provider():
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def oidc(provider, settings, desk):
    cache.clear()  # the rate limits
    provider.person = None
    provider.faults.__init__()
    provider.codes.clear()
    settings.CAREDESK_OIDC_ISSUER = provider.issuer
    settings.CAREDESK_OIDC_CLIENT_ID = CLIENT_ID
    settings.CAREDESK_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.CAREDESK_OIDC_PROVIDER_NAME = "Acme ID"
    settings.CAREDESK_OIDC_GROUPS = (
        "support-leads=lead:Billing,support=agent:Delivery,desk-admins=admin"
    )
    settings.CAREDESK_OIDC_SYNC_ROLES = True
    settings.CAREDESK_TWO_FACTOR_ROLES = []
    return provider


def start(client, next_url: str = "") -> str:
    """caredesk's redirect to the provider; returns the provider's authorize URL."""
    response = client.get("/login/sso/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def to_provider(authorize_url: str) -> str:
    """The browser at the provider: returns the callback URL the provider sends it to."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def callback(client, url: str):
    parts = urlsplit(url)
    return client.get(parts.path + "?" + parts.query)


def sign_in(client, provider: Provider, person: Person, next_url: str = ""):
    provider.person = person
    return callback(client, to_provider(start(client, next_url)))


def signed_in_as(client) -> User | None:
    uid = client.session.get("_auth_user_id")
    return User.objects.get(pk=uid) if uid else None


# --- the happy paths ---------------------------------------------------------------------


def test_the_redirect_asks_for_a_code_with_pkce_state_and_nonce(oidc, client):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert "openid" in query["scope"][0].split()


def test_an_unknown_person_in_a_mapped_group_gets_a_staff_account(oidc, client, desk):
    person = Person("u-1", "Nia@Corp.test", "Nia New", groups=["support-leads", "other"])
    response = sign_in(client, oidc, person, next_url="/reports/")
    assert response.status_code == 302 and response["Location"] == "/reports/"
    user = signed_in_as(client)
    assert user is not None and user.email == "nia@corp.test" and user.name == "Nia New"
    assert user.role == Role.LEAD and not user.has_usable_password()
    assert list(user.teams.values_list("name", flat=True)) == ["Billing"]
    assert client.get("/").status_code == 200  # the inbox opens
    created = Event.objects.get(kind="staff.created_from_sso")
    assert "Acme ID" in str(created.data)


def test_a_known_account_gets_its_role_and_teams_from_the_groups(oidc, client, desk):
    # Ada is an agent in Billing; the provider now says she is in "support" (Delivery).
    person = Person("u-2", desk.agent.email, groups=["support", "desk-admins"])
    response = sign_in(client, oidc, person)
    assert response.status_code == 302
    desk.agent.refresh_from_db()
    assert signed_in_as(client) == desk.agent
    assert desk.agent.role == Role.ADMIN and desk.agent.is_staff
    assert set(desk.agent.teams.values_list("name", flat=True)) == {"Delivery"}
    assert Event.objects.filter(kind="staff.synced_from_sso").count() == 1


def test_without_sync_a_known_account_keeps_what_the_admins_set(oidc, client, desk, settings):
    settings.CAREDESK_OIDC_SYNC_ROLES = False
    sign_in(client, oidc, Person("u-2", desk.agent.email, groups=["desk-admins"]))
    desk.agent.refresh_from_db()
    assert signed_in_as(client) == desk.agent and desk.agent.role == Role.AGENT


def test_teams_the_mapping_does_not_name_are_left_alone(oidc, client, desk):
    Team.objects.create(name="Night shift", slug="night-shift")
    Membership.objects.create(team=Team.objects.get(slug="night-shift"), user=desk.agent)
    sign_in(client, oidc, Person("u-2", desk.agent.email, groups=["support"]))
    assert set(desk.agent.teams.values_list("name", flat=True)) == {"Delivery", "Night shift"}


def test_the_login_page_offers_the_provider_when_configured(oidc, client, settings):
    page = client.get("/login/").content.decode()
    assert "Sign in with Acme ID" in page and 'href="/login/sso/"' in page
    settings.CAREDESK_OIDC_ISSUER = ""
    assert "Sign in with" not in client.get("/login/").content.decode()


# --- refusals ------------------------------------------------------------------------------


def test_no_mapped_group_is_refused_with_a_clear_page(oidc, client):
    response = sign_in(client, oidc, Person("u-3", "x@corp.test", groups=["marketing"]))
    assert response.status_code == 403
    assert "not in a group that may use caredesk" in response.content.decode()
    assert "Acme ID" in response.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="x@corp.test").exists()


def test_a_wrong_state_is_refused(oidc, client):
    oidc.person = Person("u-4", "s@corp.test", groups=["support"])
    url = to_provider(start(client))
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    response = client.get(parts.path, {"code": query["code"][0], "state": "forged"})
    assert response.status_code == 400 and signed_in_as(client) is None
    assert "did not work" in response.content.decode()


def test_a_callback_without_a_flow_started_here_is_refused(oidc, client):
    # Someone else's code and state (login CSRF): this browser never started a flow.
    other = pytest.importorskip("django.test").Client()
    oidc.person = Person("u-4", "s@corp.test", groups=["desk-admins"])
    url = to_provider(start(other))
    response = callback(client, url)
    assert response.status_code == 400 and signed_in_as(client) is None


@pytest.mark.parametrize(
    "fault", ["tampered", "expired", "foreign_key", "audience", "audience_with_azp"], ids=str
)
def test_a_faulty_id_token_is_refused(oidc, client, fault):
    if fault.startswith("audience"):
        oidc.faults.audience = "another-client"
        # A token for another client that names caredesk as its authorized party.
        oidc.faults.azp = CLIENT_ID if fault == "audience_with_azp" else None
    else:
        setattr(oidc.faults, fault, True)
    response = sign_in(client, oidc, Person("u-5", "t@corp.test", groups=["support"]))
    assert response.status_code == 400, fault
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="t@corp.test").exists()


def test_a_replayed_callback_is_refused(oidc, client):
    oidc.person = Person("u-6", "r@corp.test", groups=["support"])
    url = to_provider(start(client))
    assert callback(client, url).status_code == 302
    client.post("/logout/")
    again = callback(client, url)
    assert again.status_code == 400 and signed_in_as(client) is None


def test_the_provider_refuses_a_replayed_code(oidc, client):
    oidc.person = Person("u-6", "r@corp.test", groups=["support"])
    url = to_provider(start(client))
    code = parse_qs(urlsplit(url).query)["code"][0]
    assert callback(client, url).status_code == 302
    replay = requests.post(
        oidc.issuer + "/token",
        data={"grant_type": "authorization_code", "code": code},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=5,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_a_customer_email_never_signs_in_this_way(oidc, client, desk):
    response = sign_in(client, oidc, Person("u-7", desk.alice.user.email, groups=["desk-admins"]))
    assert response.status_code == 403 and "customer" in response.content.decode()
    assert signed_in_as(client) is None
    desk.alice.user.refresh_from_db()
    assert desk.alice.user.role == Role.CUSTOMER


def test_a_deactivated_account_is_refused(oidc, client, desk):
    User.objects.filter(pk=desk.agent.pk).update(is_active=False)
    response = sign_in(client, oidc, Person("u-8", desk.agent.email, groups=["support"]))
    assert response.status_code == 403 and "deactivated" in response.content.decode()
    assert signed_in_as(client) is None


def test_an_unverified_email_is_refused(oidc, client):
    person = Person("u-9", "v@corp.test", groups=["support"], email_verified=False)
    response = sign_in(client, oidc, person)
    assert response.status_code == 403 and "verified email" in response.content.decode()


@pytest.mark.parametrize(
    "email", ["<script>alert(1)</script>@x.test", "a" * 300 + "@corp.test", ""]
)
def test_a_hostile_or_oversized_email_is_refused_cleanly(oidc, client, email):
    response = sign_in(client, oidc, Person("u-10", email, groups=["support"]))
    assert response.status_code in (400, 403)
    assert "<script>alert" not in response.content.decode()
    assert signed_in_as(client) is None


def test_a_hostile_name_and_huge_groups_are_harmless(oidc, client):
    person = Person(
        "u-11",
        "h@corp.test",
        "<img src=x onerror=alert(1)>" + "n" * 500,
        groups=["g" * 10_000, *[f"x{i}" for i in range(2000)], "support"],
    )
    response = sign_in(client, oidc, person)
    # "support" sits past the first 500 groups caredesk reads: refused, not crashed.
    assert response.status_code == 403 and signed_in_as(client) is None


def test_the_provider_unreachable_is_a_clear_error(oidc, client, settings):
    settings.CAREDESK_OIDC_ISSUER = "http://127.0.0.1:9"
    response = client.get("/login/sso/")
    assert response.status_code == 502 and "could not be reached" in response.content.decode()


def test_an_error_from_the_provider_is_refused(oidc, client):
    start(client)
    response = client.get("/login/sso/callback/", {"error": "access_denied", "state": "x"})
    assert response.status_code == 400 and signed_in_as(client) is None


def test_the_callback_is_rate_limited(oidc, client):
    codes = [
        client.get("/login/sso/callback/", {"code": "x", "state": "y"}).status_code
        for _ in range(15)
    ]
    assert codes[:10] == [400] * 10 and codes[10:] == [429] * 5


def test_sso_is_off_without_configuration(desk, client, settings):
    settings.CAREDESK_OIDC_ISSUER = ""
    response = client.get("/login/sso/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- two-factor ----------------------------------------------------------------------------


def test_the_providers_mfa_counts_for_a_role_that_needs_two_factor(oidc, client, settings):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    person = Person("u-12", "boss@corp.test", groups=["desk-admins"], amr=["pwd", "mfa"])
    response = sign_in(client, oidc, person)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_without_the_providers_mfa_caredesks_code_is_asked(oidc, client, settings, desk):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    device = TOTPDevice.objects.create(user=desk.admin, name="phone", confirmed=True)
    person = Person("u-13", desk.admin.email, groups=["desk-admins"], amr=["pwd"])
    response = sign_in(client, oidc, person)
    assert response["Location"] == "/login/verify/"
    assert client.get("/").status_code == 302  # not yet
    done = client.post("/login/verify/", {"code": totp_code(device)})
    assert done.status_code == 302 and client.get("/").status_code == 200


def test_without_mfa_and_without_a_device_the_person_is_held_on_set_up(oidc, client, settings):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    person = Person("u-14", "new-admin@corp.test", groups=["desk-admins"], amr=["pwd"])
    response = sign_in(client, oidc, person)
    assert response["Location"] == "/account/#two-factor"
    assert client.get("/reports/")["Location"] == "/account/#two-factor"


# --- passwords off -------------------------------------------------------------------------


@pytest.fixture
def passwords_off(oidc, settings, desk):
    settings.CAREDESK_STAFF_PASSWORDS = False
    settings.CAREDESK_BREAK_GLASS_ADMINS = [desk.admin.email]
    return oidc


def test_password_sign_in_is_refused_when_passwords_are_off(passwords_off, client, desk):
    response = client.post("/login/", {"email": desk.agent.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "Sign in with Acme ID" in response.content.decode()
    assert signed_in_as(client) is None
    # The admin sign-in page leads to the same refusal.
    admin = client.post("/admin/login/", {"username": desk.agent.email, "password": PASSWORD})
    assert admin["Location"].startswith("/login/") and signed_in_as(client) is None


def test_the_break_glass_admin_still_signs_in_with_password_and_code(passwords_off, client, desk):
    device = TOTPDevice.objects.create(user=desk.admin, name="phone", confirmed=True)
    step = client.post("/login/", {"email": desk.admin.email, "password": PASSWORD})
    assert step["Location"] == "/login/verify/"
    client.post("/login/verify/", {"code": totp_code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_break_glass_admin_needs_an_authenticator(passwords_off, client, desk):
    response = client.post("/login/", {"email": desk.admin.email, "password": PASSWORD})
    assert response.status_code == 403 and signed_in_as(client) is None


def test_sso_still_works_when_passwords_are_off(passwords_off, client, desk):
    page = client.get("/login/").content.decode()
    assert "Emergency admin sign-in" in page and "Sign in with Acme ID" in page
    sign_in(client, passwords_off, Person("u-15", desk.agent.email, groups=["support"]))
    assert signed_in_as(client) == desk.agent


# --- the mapping ---------------------------------------------------------------------------


def test_the_group_mapping_is_parsed_and_typos_are_refused():
    rules = sso.parse_group_rules(" a=lead:Support , b=agent ,, ")
    assert [(r.group, r.role, r.team) for r in rules] == [
        ("a", Role.LEAD, "Support"),
        ("b", Role.AGENT, ""),
    ]
    grant = sso.grant_for(["a", "b"], rules)
    assert grant is not None and grant.role == Role.LEAD and grant.teams == ("Support",)
    assert sso.grant_for(["c"], rules) is None
    for bad in ("a=boss", "=agent", "a", "a=customer"):
        with pytest.raises(sso.ImproperlyConfigured):
            sso.parse_group_rules(bad)


@pytest.mark.parametrize(
    ("amr", "counts"),
    [(None, True), (["pwd", "mfa"], True), (["otp"], True), (["pwd"], False), ("mfa", False)],
)
def test_which_amr_counts_as_the_providers_second_factor(amr, counts):
    claims = {} if amr is None else {"amr": amr}
    assert sso.provider_did_mfa(claims) is counts


def test_a_next_to_another_site_is_not_followed(oidc, client):
    person = Person("u-16", "n@corp.test", groups=["support"])
    response = sign_in(client, oidc, person, next_url="https://evil.test/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_oversized_or_hostile_callback_is_refused_cleanly(oidc, client):
    start(client)
    for params in (
        {"code": "c" * 100_000, "state": "s" * 100_000},
        {"code": "<script>alert(1)</script>", "state": "<b>x</b>"},
        {"state": ""},
        {},
    ):
        response = client.get("/login/sso/callback/", params)
        assert response.status_code == 400, params
        assert "<script>alert" not in response.content.decode()
    assert signed_in_as(client) is None


# --- the provider's discovery document and keys are cached --------------------------------


def _counts(provider: Provider) -> tuple[int, int]:
    return provider.discovery_calls, provider.jwks_calls


def test_discovery_and_keys_are_fetched_once_for_many_sign_ins(oidc, desk):
    from django.test import Client

    before = _counts(oidc)
    for i in range(3):
        browser = Client()
        response = sign_in(browser, oidc, Person(f"c-{i}", f"c{i}@corp.test", groups=["support"]))
        assert response.status_code == 302 and signed_in_as(browser) is not None
    assert _counts(oidc) == (before[0] + 1, before[1] + 1)


def test_a_rotated_key_refetches_the_keys_once_and_then_keeps_them(oidc, client):
    sign_in(client, oidc, Person("r-1", "r1@corp.test", groups=["support"]))
    client.post("/logout/")
    original = oidc.key
    try:
        oidc.rotate()  # the cached JWKS lacks the new kid
        before = _counts(oidc)
        response = sign_in(client, oidc, Person("r-1", "r1@corp.test", groups=["support"]))
        assert response.status_code == 302 and signed_in_as(client) is not None
        assert _counts(oidc) == (before[0], before[1] + 1)
        client.post("/logout/")
        sign_in(client, oidc, Person("r-1", "r1@corp.test", groups=["support"]))
        assert signed_in_as(client) is not None
        assert _counts(oidc) == (before[0], before[1] + 1)  # the new set was kept
    finally:
        oidc.key = original


def test_a_token_with_a_kid_the_provider_does_not_have_is_refused_after_one_refetch(oidc, client):
    sign_in(client, oidc, Person("r-2", "r2@corp.test", groups=["support"]))
    client.post("/logout/")
    oidc.faults.foreign_key = True
    foreign, oidc.foreign = (
        oidc.foreign,
        type(oidc.key).generate_key(2048, parameters={"kid": "unknown"}),
    )
    try:
        before = _counts(oidc)
        response = sign_in(client, oidc, Person("r-2", "r2@corp.test", groups=["support"]))
        assert response.status_code == 400 and signed_in_as(client) is None
        assert _counts(oidc) == (before[0], before[1] + 1)
    finally:
        oidc.foreign = foreign


def test_the_cache_lasts_the_configured_time(oidc, client, settings):
    settings.CAREDESK_OIDC_METADATA_TTL = 0  # Django's cache: 0 means "do not keep"
    before = _counts(oidc)
    start(client)
    start(client)
    assert _counts(oidc) == (before[0] + 2, before[1] + 2)


def test_an_unreachable_provider_is_not_cached_as_an_answer(oidc, client, settings):
    settings.CAREDESK_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens
    response = client.get("/login/sso/")
    assert response.status_code == 502
    settings.CAREDESK_OIDC_ISSUER = oidc.issuer
    assert client.get("/login/sso/").status_code == 302
