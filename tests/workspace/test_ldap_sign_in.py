"""Staff sign-in with a directory password, against a real OpenLDAP slapd on 127.0.0.1
(tests/ldap_server.py): service bind, user search, bind as the person, memberOf or a
group search, StartTLS and ldaps with certificate checks."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import settings as settings_profile
from hypothesis import strategies as st

from caredesk.accounts import directory
from caredesk.accounts.models import Role, User
from caredesk.core.models import Event
from tests.ldap_server import (
    GROUPS,
    PEOPLE,
    PEOPLE_IN_DIRECTORY,
    SERVICE_DN,
    SERVICE_PASSWORD,
    Directory,
    Person,
    free_port,
    slapd_or_skip,
)
from tests.test_settings import load_settings
from tests.workspace.test_login import PASSWORD, totp_code

ALICE, BOB, CAROL, DAVE, ERIN = PEOPLE_IN_DIRECTORY


@pytest.fixture(scope="module")
def slapd():
    slapd_or_skip()
    running = Directory().start()
    yield running
    running.stop()


@pytest.fixture
def ldap(slapd, settings, desk):
    cache.clear()  # the rate limits
    settings.CAREDESK_LDAP_URL = slapd.url
    settings.CAREDESK_LDAP_START_TLS = False
    settings.CAREDESK_LDAP_CA_FILE = ""
    settings.CAREDESK_LDAP_BIND_DN = SERVICE_DN
    settings.CAREDESK_LDAP_BIND_PASSWORD = SERVICE_PASSWORD
    settings.CAREDESK_LDAP_USER_BASE = PEOPLE
    settings.CAREDESK_LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.CAREDESK_LDAP_GROUP_BASE = ""
    settings.CAREDESK_LDAP_GROUP_FILTER = "(member=%(dn)s)"
    settings.CAREDESK_LDAP_PROVIDER_NAME = "Acme Directory"
    settings.CAREDESK_LDAP_SYNC_ROLES = True
    settings.CAREDESK_LDAP_TIMEOUT = 3.0
    settings.CAREDESK_LDAP_GROUPS = (
        f"cn=support-leads,{GROUPS}=lead:Billing; support=agent:Delivery; desk-admins=admin"
    )
    settings.CAREDESK_TWO_FACTOR_ROLES = []
    return slapd


def post_login(client, login: str, password: str, next_url: str = ""):
    return client.post("/login/", {"email": login, "password": password, "next": next_url})


def signed_in_as(client) -> User | None:
    uid = client.session.get("_auth_user_id")
    return User.objects.get(pk=uid) if uid else None


def cfg() -> directory.DirectoryConfig:
    config = directory.config()
    assert config is not None
    return config


# --- the happy paths ---------------------------------------------------------------------


def test_a_directory_user_gets_a_staff_account_with_role_and_teams(ldap, client):
    response = post_login(client, "alice", ALICE.password, next_url="/reports/")
    assert response.status_code == 302 and response["Location"] == "/reports/"
    user = signed_in_as(client)
    assert user is not None and user.email == "alice@example.org" and user.name == "Alice Lead"
    assert user.role == Role.LEAD and not user.has_usable_password()
    assert list(user.teams.values_list("name", flat=True)) == ["Billing"]  # mapped by DN
    assert client.get("/").status_code == 200
    created = Event.objects.get(kind="staff.created_from_sso")
    assert created.data["new"]["method"] == "ldap"
    assert created.data["new"]["provider"] == "Acme Directory"


def test_the_email_works_as_the_user_name_with_a_filter_that_allows_it(ldap, client, settings):
    settings.CAREDESK_LDAP_USER_FILTER = "(|(uid=%(user)s)(mail=%(user)s))"
    response = post_login(client, "Bob@Example.org", BOB.password)
    assert response.status_code == 302
    user = signed_in_as(client)
    assert user is not None and user.role == Role.AGENT
    assert list(user.teams.values_list("name", flat=True)) == ["Delivery"]  # mapped by CN


def test_an_active_directory_like_filter_and_a_group_search(ldap, client, settings):
    settings.CAREDESK_LDAP_USER_FILTER = "(&(objectClass=adLikeUser)(sAMAccountName=%(user)s))"
    settings.CAREDESK_LDAP_GROUP_BASE = GROUPS
    assert post_login(client, "alice", ALICE.password).status_code == 302  # case-insensitive
    assert signed_in_as(client).role == Role.LEAD
    client.logout()
    # Carol has no sAMAccountName: the AD filter does not find her.
    assert post_login(client, "carol", CAROL.password).status_code == 400


def test_a_later_sign_in_brings_role_and_teams_in_line(ldap, client, slapd):
    person = Person("fay", "fay-pw", "fay@example.org", "Fay Flux", ("support",))
    slapd.add_person(person)
    slapd.set_groups(person, ("support",))
    post_login(client, "fay", "fay-pw")
    user = User.objects.get(email="fay@example.org")
    assert user.role == Role.AGENT and {t.name for t in user.teams.all()} == {"Delivery"}
    client.logout()
    slapd.set_groups(person, ("support-leads", "desk-admins"))
    assert post_login(client, "fay", "fay-pw").status_code == 302
    user.refresh_from_db()
    assert user.role == Role.ADMIN and user.is_staff
    assert {t.name for t in user.teams.all()} == {"Billing"}
    synced = Event.objects.get(kind="staff.synced_from_sso")
    assert synced.data["new"]["method"] == "ldap"


def test_a_known_local_account_is_matched_by_the_directorys_email(ldap, client, slapd, desk):
    person = Person("ada", "ada-dir-pw", desk.agent.email, "Ada Agent", ("desk-admins",))
    slapd.add_person(person)
    slapd.set_groups(person, ("desk-admins",))
    assert post_login(client, "ada", "ada-dir-pw").status_code == 302
    desk.agent.refresh_from_db()
    assert signed_in_as(client) == desk.agent and desk.agent.role == Role.ADMIN


def test_local_passwords_still_work_next_to_the_directory(ldap, client, desk):
    assert post_login(client, desk.admin.email, PASSWORD).status_code == 302
    assert signed_in_as(client) == desk.admin


def test_anonymous_search_when_no_service_account_is_set(ldap, client, settings):
    settings.CAREDESK_LDAP_BIND_DN = ""
    settings.CAREDESK_LDAP_BIND_PASSWORD = ""
    assert post_login(client, "bob", BOB.password).status_code == 302


def test_the_login_page_asks_for_a_user_name_when_the_directory_is_on(ldap, client, settings):
    page = client.get("/login/").content.decode()
    assert "Email or user name" in page and 'type="text" id="id_email"' in page
    settings.CAREDESK_LDAP_URL = ""
    assert 'type="email" id="id_email"' in client.get("/login/").content.decode()


# --- refusals ------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_counted(ldap, client):
    response = post_login(client, "alice", "not-her-password")
    assert response.status_code == 400 and b"Email or password is wrong." in response.content
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="alice@example.org").exists()


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(ldap, client):
    response = post_login(client, "nobody-here", "whatever")
    assert response.status_code == 400 and b"Email or password is wrong." in response.content


def test_someone_in_no_mapped_group_is_refused(ldap, client):
    response = post_login(client, "dave", DAVE.password)
    assert response.status_code == 403
    assert b"not in a group that may use caredesk" in response.content
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="dave@example.org").exists()


def test_a_directory_entry_without_email_is_refused(ldap, client):
    response = post_login(client, "erin", ERIN.password)
    assert response.status_code == 403 and b"no email address" in response.content
    assert signed_in_as(client) is None


def test_a_deactivated_account_is_refused(ldap, client):
    post_login(client, "bob", BOB.password)
    client.logout()
    User.objects.filter(email="bob@example.org").update(is_active=False)
    response = post_login(client, "bob", BOB.password)
    assert response.status_code == 403 and b"deactivated" in response.content
    assert signed_in_as(client) is None


def test_a_customers_email_in_the_directory_is_refused(ldap, client, slapd, desk):
    person = Person("cust", "cust-pw", desk.alice.user.email, "Alice Acme", ("support",))
    slapd.add_person(person)
    slapd.set_groups(person, ("support",))
    response = post_login(client, "cust", "cust-pw")
    assert response.status_code == 403 and b"belongs to a customer" in response.content
    desk.alice.user.refresh_from_db()
    assert desk.alice.user.is_customer and signed_in_as(client) is None


def test_an_empty_password_is_never_an_anonymous_bind(ldap, client):
    """An LDAP simple bind with a DN and no password succeeds as anonymous (RFC 4513
    5.1.2): caredesk must not take that for the person's password."""
    assert directory.authenticate(cfg(), "alice", "") is None
    response = post_login(client, "alice", "")
    assert response.status_code == 400 and signed_in_as(client) is None


@pytest.mark.parametrize(
    "login",
    ["*", "a*", "*)(uid=*", "alice)(uid=*", "alice)(|(uid=*", "\\2a", "alice\x00", "x" * 10_000],
    ids=["star", "prefix", "close-and-or", "alice-or", "nested", "escaped", "nul", "10kB"],
)
def test_filter_injection_never_matches_another_user_and_never_errors(ldap, client, login):
    # Straight at the directory: a wrong answer, never an exception, never Alice.
    for password in (ALICE.password, BOB.password, "x"):
        assert directory.authenticate(cfg(), login, password) is None
    # Through the form: refused, no session, no account.
    response = post_login(client, login, ALICE.password)
    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert not User.objects.filter(email__endswith="@example.org").exists()


def test_a_filter_that_matches_several_entries_signs_nobody_in(ldap, settings):
    settings.CAREDESK_LDAP_USER_FILTER = "(|(uid=%(user)s)(objectClass=inetOrgPerson))"
    assert directory.authenticate(cfg(), "alice", ALICE.password) is None


# --- the directory down, and transport security ------------------------------------------


def test_an_unreachable_directory_says_so_and_logs_no_password(ldap, client, settings, caplog):
    settings.CAREDESK_LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.INFO):
        response = post_login(client, "alice", "secret-typed-password")
    assert response.status_code == 503
    assert b"The directory could not be reached" in response.content
    assert "secret-typed-password" not in caplog.text
    assert "could not be reached" in caplog.text


def test_a_break_glass_admin_signs_in_while_the_directory_is_down(ldap, client, settings, desk):
    settings.CAREDESK_LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    settings.CAREDESK_STAFF_PASSWORDS = False
    settings.CAREDESK_BREAK_GLASS_ADMINS = [desk.admin.email]
    device = TOTPDevice.objects.create(user=desk.admin, name="phone", confirmed=True)
    response = post_login(client, desk.admin.email, PASSWORD)
    assert response["Location"] == "/login/verify/"
    client.post("/login/verify/", {"code": totp_code(device)})
    assert signed_in_as(client) == desk.admin
    # Someone else's local password is not taken while passwords are off.
    client.logout()
    response = post_login(client, desk.lead.email, PASSWORD)
    assert response.status_code == 503 and signed_in_as(client) is None


def test_a_wrong_service_password_is_the_directory_being_unusable(ldap, client, settings, caplog):
    settings.CAREDESK_LDAP_BIND_PASSWORD = "wrong-service-pw"
    response = post_login(client, "alice", ALICE.password)
    assert response.status_code == 503
    assert "wrong-service-pw" not in caplog.text and ALICE.password not in caplog.text


def test_start_tls_with_the_ca_file(ldap, client, settings, slapd):
    settings.CAREDESK_LDAP_URL = slapd.start_tls_url
    settings.CAREDESK_LDAP_START_TLS = True
    settings.CAREDESK_LDAP_CA_FILE = slapd.ca_file
    assert post_login(client, "bob", BOB.password).status_code == 302


def test_ldaps_with_the_ca_file(ldap, client, settings, slapd):
    settings.CAREDESK_LDAP_URL = slapd.ldaps_url
    settings.CAREDESK_LDAP_CA_FILE = slapd.ca_file
    assert post_login(client, "bob", BOB.password).status_code == 302


@pytest.mark.parametrize("mode", ["ldaps", "start_tls"])
def test_an_unknown_certificate_is_refused(ldap, client, settings, slapd, mode):
    """Certificate checks are on by default: without the test CA the server is not
    trusted, and nothing is sent to it."""
    if mode == "ldaps":
        settings.CAREDESK_LDAP_URL = slapd.ldaps_url
    else:
        settings.CAREDESK_LDAP_URL = slapd.start_tls_url
        settings.CAREDESK_LDAP_START_TLS = True
    response = post_login(client, "bob", BOB.password)
    assert response.status_code == 503 and signed_in_as(client) is None


def test_a_certificate_for_another_name_is_refused(ldap, settings, slapd):
    # The certificate names localhost and 127.0.0.1, not 127.0.0.2.
    settings.CAREDESK_LDAP_URL = slapd.ldaps_url.replace("localhost", "127.0.0.2")
    settings.CAREDESK_LDAP_CA_FILE = slapd.ca_file
    with pytest.raises(directory.DirectoryUnavailable):
        directory.authenticate(cfg(), "bob", BOB.password)


# --- the same rate limit, throttle and two-factor as a local password -------------------


def test_the_per_address_rate_limit_applies(ldap, client):
    codes = [post_login(client, f"guess{i}", "x").status_code for i in range(12)]
    assert codes[:10] == [400] * 10 and codes[10:] == [429] * 2
    assert post_login(client, "bob", BOB.password).status_code == 429


def test_the_per_account_throttle_applies_to_directory_passwords(ldap, client, settings):
    settings.RATELIMIT_ENABLE = False
    codes = [post_login(client, "alice", "wrong").status_code for _ in range(6)]
    assert codes[:5] == [400] * 5 and codes[5] == 429
    # Even the right directory password waits now.
    assert post_login(client, "alice", ALICE.password).status_code == 429


def test_a_role_that_needs_two_factor_asks_for_the_code(ldap, client, settings, slapd, desk):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    response = post_login(client, "carol", CAROL.password)
    assert response["Location"] == "/account/#two-factor"  # held until she sets one up
    assert client.get("/reports/")["Location"] == "/account/#two-factor"
    client.logout()
    carol = User.objects.get(email="carol@example.org")
    device = TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    response = post_login(client, "carol", CAROL.password)
    assert response["Location"] == "/login/verify/"
    assert client.get("/").status_code == 302  # not yet
    client.post("/login/verify/", {"code": totp_code(device)})
    assert signed_in_as(client) == carol and client.get("/").status_code == 200


def test_the_directory_password_works_with_staff_passwords_off(ldap, client, settings, desk):
    settings.CAREDESK_STAFF_PASSWORDS = False
    assert post_login(client, desk.lead.email, PASSWORD).status_code == 400  # local: no
    assert post_login(client, "bob", BOB.password).status_code == 302
    assert signed_in_as(client).email == "bob@example.org"


# --- configuration -----------------------------------------------------------------------


def test_group_rules_with_dns_and_cns():
    rules = directory.parse_rules(
        "CN=Support-Leads, OU=Groups,DC=Example,DC=Org=lead:Billing;support=agent"
    )
    assert [r.group for r in rules] == ["cn=support-leads,ou=groups,dc=example,dc=org", "support"]
    names = directory.group_names(["cn=Support,ou=groups,dc=example,dc=org"])
    assert names == ("cn=support,ou=groups,dc=example,dc=org", "support")


LDAP_BASE = {"CAREDESK_LDAP_URL": "ldap://dir.example.org", "CAREDESK_LDAP_USER_BASE": PEOPLE}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CAREDESK_LDAP_URL": "http://dir.example.org"}, "ldap:// or ldaps:// URL"),
        ({"CAREDESK_LDAP_URL": "ldap://dir.example.org"}, "needs CAREDESK_LDAP_USER_BASE"),
        ({**LDAP_BASE, "CAREDESK_LDAP_USER_FILTER": "(uid=*)"}, "must contain %(user)s"),
        ({**LDAP_BASE, "CAREDESK_LDAP_USER_FILTER": "(uid=%(user)s%)"}, "literal % as %%"),
        (
            {**LDAP_BASE, "CAREDESK_LDAP_URL": "ldaps://d", "CAREDESK_LDAP_START_TLS": "true"},
            "START_TLS is for ldap://",
        ),
        (
            {
                **LDAP_BASE,
                "CAREDESK_LDAP_GROUP_BASE": GROUPS,
                "CAREDESK_LDAP_GROUP_FILTER": "(x=1)",
            },
            "must contain %(dn)s",
        ),
        ({**LDAP_BASE, "CAREDESK_LDAP_GROUPS": f"cn=a,{GROUPS}=boss"}, "CAREDESK_LDAP_GROUPS"),
        ({**LDAP_BASE, "CAREDESK_LDAP_TIMEOUT": "600"}, "between 0 and 60"),
        ({"CAREDESK_STAFF_PASSWORDS": "false"}, "CAREDESK_LDAP_URL"),
    ],
)
def test_directory_settings_fail_loudly(env, message, tmp_path):
    result = load_settings({"CAREDESK_DATA_DIR": str(tmp_path), **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_directory_alone_may_turn_staff_passwords_off(tmp_path):
    env = {
        **LDAP_BASE,
        "CAREDESK_STAFF_PASSWORDS": "false",
        "CAREDESK_LDAP_GROUPS": f"cn=support,{GROUPS}=agent:Support; desk-admins=admin",
    }
    result = load_settings({"CAREDESK_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 0, result.stderr


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"ldap://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_directory_that_never_answers_times_out(ldap, client, settings, silent_server):
    settings.CAREDESK_LDAP_URL = silent_server
    settings.CAREDESK_LDAP_TIMEOUT = 1.0
    response = post_login(client, "alice", ALICE.password)
    assert response.status_code == 503
    assert b"The directory could not be reached" in response.content


def _plain_config(slapd: Directory) -> directory.DirectoryConfig:
    return directory.DirectoryConfig(
        url=slapd.url,
        start_tls=False,
        ca_file="",
        bind_dn=SERVICE_DN,
        bind_password=SERVICE_PASSWORD,
        user_base=PEOPLE,
        user_filter="(|(uid=%(user)s)(mail=%(user)s))",
        email_attribute="mail",
        name_attribute="displayName",
        group_base="",
        group_filter="(member=%(dn)s)",
        rules=directory.parse_rules("support=agent"),
        provider_name="Acme Directory",
        sync_roles=True,
        timeout=3.0,
    )


@settings_profile(max_examples=150, deadline=None)
@given(
    login=st.text(
        alphabet=st.sampled_from(
            "*()\\\x00&|!=<>~:,;'\" \tABCDEFGHIaceilmnopqrstuvwxyz0123456789@."
        ),
        max_size=40,
    )
)
def test_any_typed_name_finds_at_most_the_person_it_names(slapd, login):
    """Whatever is typed, with Alice's password: the directory answers about Alice only
    when the text is her uid or mail (modulo case and outer spaces), and never errors."""
    person = directory.authenticate(_plain_config(slapd), login, ALICE.password)
    if person is not None:
        assert person.dn == ALICE.dn
        assert login.strip().lower() in ("alice", ALICE.mail)
