"""Staff sign-in with SAML 2.0 against a locally made identity provider
(tests/saml_idp.py): its own key and certificate, its metadata, and Responses signed with
xmlsec1. The browser's part is played by the test: caredesk's redirect is read by the IdP,
and the IdP's Response is posted to caredesk's ACS.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk.accounts import saml
from caredesk.accounts.models import Role, User
from caredesk.core.models import Event
from tests.saml_idp import ENTITY_ID, PASSWORD_CONTEXT, SSO_URL, Assertion, IdentityProvider

ACS = "http://testserver/login/saml/acs/"
SP_ENTITY = "http://testserver/login/saml/metadata/"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    return IdentityProvider(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def saml_on(idp, settings, desk):
    cache.clear()  # the rate limits
    settings.SITE_URL = "http://testserver"
    settings.CAREDESK_SAML_IDP_METADATA = idp.metadata()
    settings.CAREDESK_SAML_PROVIDER_NAME = "Acme SAML"
    settings.CAREDESK_SAML_GROUPS = (
        "support-leads=lead:Billing,support=agent:Delivery,desk-admins=admin"
    )
    settings.CAREDESK_SAML_SYNC_ROLES = True
    settings.CAREDESK_TWO_FACTOR_ROLES = []
    return idp


def start(client, next_url: str = "") -> str:
    """caredesk's redirect to the IdP; returns the AuthnRequest's id."""
    response = client.get("/login/saml/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith(SSO_URL + "?")
    request_id, acs, issuer, _ = IdentityProvider.read_request(response["Location"])
    assert acs == ACS and issuer == SP_ENTITY
    return request_id


def answer(request_id: str | None, **parts) -> Assertion:
    return Assertion(**{"request_id": request_id, "acs_url": ACS, "audience": SP_ENTITY, **parts})


def post(client, idp: IdentityProvider, xml: str):
    return client.post("/login/saml/acs/", {"SAMLResponse": idp.post(xml)})


def sign_in(client, idp: IdentityProvider, next_url: str = "", **parts):
    request_id = start(client, next_url)
    return post(client, idp, idp.response_xml(answer(request_id, **parts)))


def signed_in_as(client) -> User | None:
    uid = client.session.get("_auth_user_id")
    return User.objects.get(pk=uid) if uid else None


def refused(response, status: int = 400) -> bool:
    return response.status_code == status and "did not work" in response.content.decode()


# --- the happy paths ---------------------------------------------------------------------


def test_a_new_person_in_a_mapped_group_gets_a_staff_account(saml_on, client, desk):
    response = sign_in(
        client, saml_on, next_url="/reports/", email="Nia@Corp.test", groups=["support-leads"]
    )
    assert response.status_code == 302 and response["Location"] == "/reports/"
    user = signed_in_as(client)
    assert user is not None and user.email == "nia@corp.test" and user.name == "Nia SAML"
    assert user.role == Role.LEAD and not user.has_usable_password()
    assert list(user.teams.values_list("name", flat=True)) == ["Billing"]
    assert client.get("/").status_code == 200
    created = Event.objects.get(kind="staff.created_from_sso")
    assert created.data["new"]["method"] == "saml"
    assert created.data["new"]["provider"] == "Acme SAML"


def test_the_email_may_come_from_the_name_id(saml_on, client):
    sign_in(client, saml_on, email="only-nameid@corp.test", email_in_attribute=False)
    assert signed_in_as(client).email == "only-nameid@corp.test"


def test_a_known_account_is_synced_from_the_groups(saml_on, client, desk):
    sign_in(client, saml_on, email=desk.agent.email, groups=["support", "desk-admins"])
    desk.agent.refresh_from_db()
    assert signed_in_as(client) == desk.agent and desk.agent.role == Role.ADMIN
    assert set(desk.agent.teams.values_list("name", flat=True)) == {"Delivery"}
    assert Event.objects.filter(kind="staff.synced_from_sso").count() == 1


def test_a_password_only_sign_in_at_the_idp_asks_for_caredesks_code(saml_on, client, desk):
    device = TOTPDevice.objects.create(user=desk.agent, name="phone", confirmed=True)
    response = sign_in(client, saml_on, email=desk.agent.email, class_ref=PASSWORD_CONTEXT)
    assert response["Location"] == "/login/verify/" and signed_in_as(client) is None
    from tests.workspace.test_login import totp_code

    done = client.post("/login/verify/", {"code": totp_code(device)})
    assert done.status_code == 302 and signed_in_as(client) == desk.agent


def test_a_role_that_must_use_two_factor_is_held_without_an_mfa_context(
    saml_on, client, desk, settings
):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    sign_in(client, saml_on, email=desk.admin.email, groups=["desk-admins"], class_ref="x")
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/account/")


def test_an_mfa_context_counts_as_the_second_factor(saml_on, client, desk, settings):
    settings.CAREDESK_TWO_FACTOR_ROLES = ["admin"]
    sign_in(client, saml_on, email=desk.admin.email, groups=["desk-admins"])
    assert client.get("/").status_code == 200


def test_the_idps_post_without_the_session_cookie_is_posted_again_from_caredesk(saml_on, client):
    request_id = start(client)
    xml = saml_on.response_xml(answer(request_id))
    cookie = client.cookies.pop("sessionid")  # SameSite=Lax: not sent on the IdP's post
    first = post(client, saml_on, xml)
    assert first.status_code == 200 and signed_in_as(client) is None
    page = first.content.decode()
    assert 'action="/login/saml/acs/"' in page and 'name="again"' in page
    posted = re.search(r'name="SAMLResponse" value="([^"]+)"', page).group(1)
    client.cookies["sessionid"] = cookie.value  # caredesk's own page: the cookie goes along
    second = client.post("/login/saml/acs/", {"SAMLResponse": posted, "again": "1"})
    assert second.status_code == 302 and signed_in_as(client) is not None


def test_the_sp_metadata_names_the_acs_and_entity(saml_on, client):
    response = client.get("/login/saml/metadata/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'entityID="{SP_ENTITY}"' in body and f'Location="{ACS}"' in body
    assert "HTTP-POST" in body


def test_the_login_page_offers_the_saml_provider(saml_on, client, settings):
    page = client.get("/login/").content.decode()
    assert "Sign in with Acme SAML" in page and 'href="/login/saml/"' in page
    settings.CAREDESK_SAML_IDP_METADATA = ""
    assert "/login/saml/" not in client.get("/login/").content.decode()
    assert client.get("/login/saml/metadata/").status_code == 404


def test_signed_authn_requests_carry_a_signature(saml_on, client, settings, tmp_path):
    from tests.saml_idp import make_key_and_cert

    key, cert, _ = make_key_and_cert(tmp_path, "sp")
    settings.CAREDESK_SAML_SP_KEY_FILE = str(key)
    settings.CAREDESK_SAML_SP_CERT_FILE = str(cert)
    location = client.get("/login/saml/")["Location"]
    _, _, _, query = IdentityProvider.read_request(location)
    assert query["SigAlg"][0].endswith("rsa-sha256") and query["Signature"][0]
    assert "X509Certificate" in client.get("/login/saml/metadata/").content.decode()


# --- refusals ------------------------------------------------------------------------------


def test_no_mapped_group_is_refused_with_a_clear_page(saml_on, client):
    response = sign_in(client, saml_on, email="x@corp.test", groups=["marketing"])
    assert response.status_code == 403
    assert "not in a group that may use caredesk" in response.content.decode()
    assert signed_in_as(client) is None and not User.objects.filter(email="x@corp.test")


def test_a_deactivated_account_is_refused(saml_on, client, desk):
    desk.agent.is_active = False
    desk.agent.save(update_fields=["is_active"])
    response = sign_in(client, saml_on, email=desk.agent.email)
    assert response.status_code == 403 and "deactivated" in response.content.decode()
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "fault",
    [
        {"audience": "https://another-sp.test/"},
        {"age": dt.timedelta(minutes=20)},  # expired: NotOnOrAfter long past
        {"age": -dt.timedelta(minutes=10)},  # not yet valid
        {"issuer": "https://evil-idp.test/"},
        {"destination": "https://another-sp.test/acs"},
        {"recipient": "https://another-sp.test/acs"},
        {"sign_assertion": False},  # unsigned
    ],
    ids=["audience", "expired", "not-yet-valid", "issuer", "destination", "recipient", "unsigned"],
)
def test_a_faulty_response_is_refused(saml_on, client, fault):
    response = sign_in(client, saml_on, email="t@corp.test", **fault)
    assert refused(response), response.content[:300]
    assert signed_in_as(client) is None and not User.objects.filter(email="t@corp.test")


def test_a_signed_response_around_an_unsigned_assertion_is_accepted(saml_on, client):
    sign_in(client, saml_on, sign_assertion=False, sign_response=True)
    assert signed_in_as(client) is not None


def test_a_response_signed_by_another_key_is_refused(saml_on, client, tmp_path):
    other = IdentityProvider(tmp_path)
    request_id = start(client)
    response = post(client, other, other.response_xml(answer(request_id)))
    assert refused(response) and signed_in_as(client) is None


def test_a_tampered_assertion_is_refused(saml_on, client):
    request_id = start(client)
    xml = saml_on.response_xml(answer(request_id, groups=["support"]))
    tampered = xml.replace(">support<", ">desk-admins<")
    assert tampered != xml
    assert refused(post(client, saml_on, tampered)) and signed_in_as(client) is None


def test_a_replayed_response_is_refused(saml_on, client):
    request_id = start(client)
    xml = saml_on.response_xml(answer(request_id))
    assert post(client, saml_on, xml).status_code == 302
    client.post("/logout/")
    assert refused(post(client, saml_on, xml)) and signed_in_as(client) is None


def test_an_unsolicited_response_is_refused(saml_on, client):
    start(client)  # a request is outstanding, but the Response names none
    response = post(client, saml_on, saml_on.response_xml(answer(None)))
    assert refused(response) and signed_in_as(client) is None


def test_a_response_to_another_browsers_request_is_refused(saml_on, client):
    start(client)  # this browser waits for its own request
    other = Client()
    request_id = start(other)
    response = post(client, saml_on, saml_on.response_xml(answer(request_id)))
    assert refused(response) and signed_in_as(client) is None


def test_a_wrapped_assertion_is_refused(saml_on, client, desk):
    """Signature wrapping: the genuinely signed assertion (an agent's) is kept for the
    signature check while a forged one (the admin's) is put where a reader looks first."""
    request_id = start(client)
    good = saml_on.response_xml(answer(request_id, email="ok@corp.test", groups=["support"]))
    signed = re.search(r"<saml:Assertion .*</saml:Assertion>", good, re.S).group(0)
    forged = (
        re.sub(r' ID="[^"]+"', ' ID="_forged"', signed, count=1)
        .replace("ok@corp.test", desk.admin.email)
        .replace(">support<", ">desk-admins<")
    )
    forged = re.sub(r"<(\w+):Signature\b.*?</\1:Signature>", "", forged, flags=re.S)
    assert "Signature" not in forged and "Signature" in signed
    for wrapped in (
        good.replace(signed, forged + signed),  # the forged one first
        good.replace(signed, signed + forged),  # the forged one second
        good.replace(signed, forged).replace(  # the signed one moved into Extensions
            "<samlp:Status>", f"<samlp:Extensions>{signed}</samlp:Extensions><samlp:Status>"
        ),
        good.replace(  # the signed one hidden in the forged one's Advice
            signed,
            forged.replace("<saml:Subject>", f"<saml:Advice>{signed}</saml:Advice><saml:Subject>"),
        ),
    ):
        response = post(client, saml_on, wrapped)
        assert refused(response), response.content[:300]
        assert signed_in_as(client) is None


XXE = """<?xml version="1.0"?>
<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"
  IssueInstant="2026-01-01T00:00:00Z"><samlp:Status>&xxe;</samlp:Status></samlp:Response>"""

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 9)
    )
    + ']><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol8;</samlp:Response>'
)


@pytest.mark.parametrize("payload", [XXE, LAUGHS, "not xml at all", "<a><b></a>"], ids=str)
def test_hostile_or_malformed_xml_is_refused(saml_on, client, payload):
    start(client)
    response = post(client, saml_on, payload)
    assert refused(response) and signed_in_as(client) is None
    assert "root:" not in response.content.decode()


def test_a_response_that_is_not_base64_is_refused(saml_on, client):
    start(client)
    response = client.post("/login/saml/acs/", {"SAMLResponse": "%%% not base64 %%%"})
    assert refused(response)


def test_an_oversized_post_is_refused_before_it_is_read(saml_on, client):
    start(client)
    big = "A" * (saml.MAX_RESPONSE_BYTES + 1)
    response = client.post("/login/saml/acs/", {"SAMLResponse": big})
    assert response.status_code == 413
    assert "too large" in response.content.decode() and signed_in_as(client) is None


def test_an_empty_post_is_refused(saml_on, client):
    assert refused(client.post("/login/saml/acs/", {}))


def test_the_acs_is_rate_limited(saml_on, client):
    start(client)
    codes = [
        client.post("/login/saml/acs/", {"SAMLResponse": "x"}, REMOTE_ADDR="10.9.0.7").status_code
        for _ in range(15)
    ]
    assert codes[:10] == [400] * 10 and codes[10:] == [429] * 5


def test_the_start_is_rate_limited(saml_on, client):
    codes = [client.get("/login/saml/", REMOTE_ADDR="10.9.0.8").status_code for _ in range(12)]
    assert codes[:10] == [302] * 10 and codes[10:] == [429] * 2


def test_without_configuration_the_views_lead_to_the_password_sign_in(client, settings):
    settings.CAREDESK_SAML_IDP_METADATA = ""
    assert client.get("/login/saml/")["Location"].startswith("/login/")
    assert client.post("/login/saml/acs/", {"SAMLResponse": "x"})["Location"].startswith("/login/")


def test_group_rules_with_a_typo_are_refused_at_configuration(saml_on, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.CAREDESK_SAML_GROUPS = "support=agnet"
    with pytest.raises(ImproperlyConfigured, match="CAREDESK_SAML_GROUPS"):
        saml.config()


def test_metadata_for_the_idp_is_read_from_a_file(saml_on, settings, tmp_path):
    path = tmp_path / "idp.xml"
    path.write_text(saml_on.metadata())
    settings.CAREDESK_SAML_IDP_METADATA = str(path)
    conf = saml.config()
    assert conf is not None and saml.idp_entity_id(conf) == ENTITY_ID


def test_a_foreign_next_address_is_not_followed(saml_on, client):
    response = sign_in(client, saml_on, next_url="https://evil.test/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_oversized_name_is_cut_and_oversized_groups_are_dropped(saml_on, client):
    response = sign_in(
        client, saml_on, email="big@corp.test", name="N" * 5000, groups=["x" * 300, "support"]
    )
    assert response.status_code == 302
    user = User.objects.get(email="big@corp.test")
    assert user.name == "N" * saml.MAX_NAME_CHARS and user.role == Role.AGENT


def test_groups_beyond_the_limit_are_not_read(saml_on, client):
    groups = [f"g{i}" for i in range(800)] + ["desk-admins"]
    response = sign_in(client, saml_on, email="many@corp.test", groups=groups)
    assert response.status_code == 403 and "not in a group" in response.content.decode()


def test_the_bounce_page_escapes_what_was_posted(saml_on, client):
    hostile = '"><script>alert(1)</script>'
    page = Client().post("/login/saml/acs/", {"SAMLResponse": hostile})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.content.decode()
    again = Client().post("/login/saml/acs/", {"SAMLResponse": hostile, "again": "1"})
    assert refused(again)


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "a@corp.test", "a@corp.test"),
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "b@corp.test", "b@corp.test"),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "c@corp.test", ""),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "_3f9a", ""),
        (None, "not-an-email", ""),
    ],
)
def test_only_an_email_like_name_id_stands_in_for_the_email(fmt, text, expected):
    from saml2.saml import NameID

    assert saml.email_from({}, NameID(format=fmt, text=text), "email") == expected
    assert saml.email_from({"email": ["attr@corp.test"]}, None, "EMAIL") == "attr@corp.test"
