"""Staff single sign-on with SAML 2.0: the configuration, the service provider's messages
and the checks on the identity provider's answer (docs/single-sign-on.md#saml-20,
docs/adr/0035-saml-sign-in-with-pysaml2.md).

The protocol is pysaml2's: it builds the AuthnRequest (HTTP-Redirect binding, signed when
caredesk has a key), parses the Response with a hardened parser (defusedxml: no DTD, no
entities), validates it against the SAML schema and checks the XML signatures with
Debian's ``xmlsec1`` against the certificate in the IdP's metadata. On top of that this
module insists on what pysaml2 leaves optional: a Destination equal to caredesk's ACS,
an InResponseTo that caredesk issued, the configured issuer, exactly one assertion. The
person's groups go through the same ``group=role[:team]`` rules as OpenID Connect
(:mod:`caredesk.accounts.sso`).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_UNSPECIFIED, SCM_BEARER
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from caredesk.accounts.sso import MAX_GROUP_CHARS, MAX_GROUPS, GroupRule, parse_group_rules

log = logging.getLogger(__name__)

# A SAMLResponse larger than this is refused before it is read (a real one is a few kB).
MAX_RESPONSE_BYTES = 256 * 1024
# The identity provider's clock may run a little ahead or behind ours.
CLOCK_SKEW_SECONDS = 60
ACS_PATH = "/login/saml/acs/"
# A longer display name from the IdP is cut (caredesk's limit for names).
MAX_NAME_CHARS = 150
METADATA_PATH = "/login/saml/metadata/"
# AuthnContextClassRef values that say the person passed a second factor.
DEFAULT_MFA_CONTEXTS = (
    "https://refeds.org/profile/mfa",
    "http://schemas.microsoft.com/claims/multipleauthn",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
)


class SamlRefused(Exception):
    """The identity provider's answer is not one caredesk accepts (the reason is logged,
    the person sees one sentence)."""


@dataclass(frozen=True)
class SamlConfig:
    idp_metadata: str  # the XML
    sp_entity_id: str
    acs_url: str
    key_file: str
    cert_file: str
    rules: tuple[GroupRule, ...]
    provider_name: str
    sync_roles: bool
    email_attribute: str
    name_attribute: str
    groups_attribute: str
    mfa_contexts: frozenset[str]

    @property
    def signs_requests(self) -> bool:
        return bool(self.key_file and self.cert_file)


@dataclass(frozen=True)
class SamlPerson:
    """What a verified assertion says about the person."""

    email: str
    name: str
    groups: tuple[str, ...]
    did_mfa: bool
    request_id: str


def _read_metadata(value: str) -> str:
    """The IdP metadata setting: the XML itself, or the path of a file holding it."""
    value = value.strip()
    if not value or value.startswith("<"):
        return value
    try:
        return Path(value).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"CAREDESK_SAML_IDP_METADATA: cannot read {value[:200]!r}: {exc}"
        ) from None


def config() -> SamlConfig | None:
    """The configured identity provider, or None when SAML sign-in is off."""
    metadata = _read_metadata(str(getattr(settings, "CAREDESK_SAML_IDP_METADATA", "") or ""))
    if not metadata:
        return None
    site = str(settings.SITE_URL).rstrip("/")
    raw_rules = str(getattr(settings, "CAREDESK_SAML_GROUPS", "") or "")
    contexts = getattr(settings, "CAREDESK_SAML_MFA_CONTEXTS", None) or DEFAULT_MFA_CONTEXTS
    return SamlConfig(
        idp_metadata=metadata,
        sp_entity_id=str(getattr(settings, "CAREDESK_SAML_SP_ENTITY_ID", "") or "")
        or site + METADATA_PATH,
        acs_url=site + ACS_PATH,
        key_file=str(getattr(settings, "CAREDESK_SAML_SP_KEY_FILE", "") or ""),
        cert_file=str(getattr(settings, "CAREDESK_SAML_SP_CERT_FILE", "") or ""),
        rules=parse_group_rules(raw_rules, setting="CAREDESK_SAML_GROUPS"),
        provider_name=str(getattr(settings, "CAREDESK_SAML_PROVIDER_NAME", "") or "")
        or "your identity provider",
        sync_roles=bool(getattr(settings, "CAREDESK_SAML_SYNC_ROLES", True)),
        email_attribute=str(getattr(settings, "CAREDESK_SAML_EMAIL_ATTRIBUTE", "email")),
        name_attribute=str(getattr(settings, "CAREDESK_SAML_NAME_ATTRIBUTE", "displayName")),
        groups_attribute=str(getattr(settings, "CAREDESK_SAML_GROUPS_ATTRIBUTE", "groups")),
        mfa_contexts=frozenset(str(c) for c in contexts),
    )


def _xmlsec_binary() -> str:
    found = shutil.which("xmlsec1")
    if not found:
        raise ImproperlyConfigured(
            "SAML sign-in needs the xmlsec1 program (Debian: apt-get install xmlsec1)"
        )
    return found


def _sp_config(conf: SamlConfig) -> SPConfig:
    sp: dict[str, Any] = {
        "endpoints": {"assertion_consumer_service": [(conf.acs_url, BINDING_HTTP_POST)]},
        # At least the Response or the Assertion signed; pysaml2 refuses an unsigned one.
        "want_assertions_or_response_signed": True,
        "want_response_signed": False,
        "want_assertions_signed": False,
        "allow_unsolicited": False,
        "authn_requests_signed": conf.signs_requests,
        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
        "name_id_format_allow_create": False,
    }
    raw: dict[str, Any] = {
        "entityid": conf.sp_entity_id,
        "xmlsec_binary": _xmlsec_binary(),
        "metadata": {"inline": [conf.idp_metadata]},
        "service": {"sp": sp},
        "accepted_time_diff": CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
    }
    if conf.signs_requests:
        raw["key_file"] = conf.key_file
        raw["cert_file"] = conf.cert_file
    sp_config = SPConfig()
    sp_config.load(raw)
    return sp_config


def _client(conf: SamlConfig) -> Saml2Client:
    return Saml2Client(config=_sp_config(conf))


def idp_entity_id(conf: SamlConfig, client: Saml2Client | None = None) -> str:
    """The one identity provider the metadata names."""
    idps = list((client or _client(conf)).metadata.identity_providers())
    if len(idps) != 1:
        raise ImproperlyConfigured(
            f"CAREDESK_SAML_IDP_METADATA must describe exactly one identity provider "
            f"(found {len(idps)})"
        )
    return str(idps[0])


def authn_request(conf: SamlConfig) -> tuple[str, str]:
    """A new AuthnRequest: its id (kept in the session) and the URL that carries it to the
    identity provider (HTTP-Redirect binding; signed when caredesk has a key)."""
    client = _client(conf)
    request_id, info = client.prepare_for_authenticate(
        entityid=idp_entity_id(conf, client),
        binding=BINDING_HTTP_REDIRECT,
        sign=conf.signs_requests,
        sigalg=SIG_RSA_SHA256 if conf.signs_requests else None,
        digest_alg=DIGEST_SHA256 if conf.signs_requests else None,
    )
    location = dict(info["headers"])["Location"]
    return str(request_id), str(location)


def sp_metadata(conf: SamlConfig) -> str:
    """caredesk's service-provider metadata (entity id, ACS, signing certificate)."""
    return str(create_metadata_string(None, config=_sp_config(conf), valid=None, sign=False))


def _attributes(assertion: Any) -> dict[str, list[str]]:
    """Every attribute of the assertion under its Name and FriendlyName, lower-cased."""
    found: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [
                str(v.text).strip()
                for v in (attribute.attribute_value or [])[:MAX_GROUPS]
                if v is not None and v.text
            ]
            for key in (attribute.name, attribute.friendly_name):
                if key:
                    found.setdefault(str(key).lower(), []).extend(values)
    return found


def groups_from(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(g for g in list(values)[:MAX_GROUPS] if g and len(g) <= MAX_GROUP_CHARS)


def did_mfa(class_refs: Iterable[str], accepted: Iterable[str]) -> bool:
    """The sign-in counts as two-factor only when the assertion names an authentication
    context that proves one (unlike an ID token without ``amr``, silence is not enough)."""
    return bool(set(class_refs) & set(accepted))


def email_from(attributes: Mapping[str, list[str]], name_id: Any, attribute: str) -> str:
    """The configured email attribute, else the NameID when its format is emailAddress
    or unspecified and it looks like one (never a persistent or transient id)."""
    values = attributes.get(attribute.lower()) or []
    if values:
        return values[0]
    if name_id is not None and name_id.text:
        text = str(name_id.text).strip()
        if name_id.format in (NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_UNSPECIFIED, None):
            return text if "@" in text else ""
    return ""


def _confirmed_for(subject: Any, acs_url: str, request_id: str) -> bool:
    """A bearer SubjectConfirmation whose Recipient is caredesk's ACS and that answers
    this request (pysaml2 checks the Recipient only when told, and lets other methods
    through)."""
    for confirmation in (subject.subject_confirmation if subject else None) or []:
        data = confirmation.subject_confirmation_data
        if (
            confirmation.method == SCM_BEARER
            and data is not None
            and data.recipient == acs_url
            and data.in_response_to == request_id
        ):
            return True
    return False


def read_response(
    conf: SamlConfig, saml_response: str, outstanding: Mapping[str, str]
) -> SamlPerson:
    """The person a posted SAMLResponse vouches for, once every check has passed.

    ``outstanding`` are the request ids this browser's session is waiting for."""
    if len(saml_response) > MAX_RESPONSE_BYTES:
        raise SamlRefused("the SAMLResponse is too large")
    client = _client(conf)
    expected_issuer = idp_entity_id(conf, client)
    try:
        response = client.parse_authn_request_response(
            saml_response,
            BINDING_HTTP_POST,
            outstanding=dict(outstanding),
            conv_info={"entity_id": conf.sp_entity_id},
        )
    except Exception as exc:  # pysaml2 raises many kinds (and bare Exception) for a refusal
        raise SamlRefused(f"{type(exc).__name__}: {str(exc)[:300]}") from None
    if response is None or response.assertion is None:
        raise SamlRefused("no verified assertion")
    message = response.response
    if message.in_response_to not in outstanding:
        raise SamlRefused(f"InResponseTo {message.in_response_to!r} was not asked for here")
    if message.destination != conf.acs_url:
        raise SamlRefused(f"Destination {message.destination!r} is not caredesk's ACS")
    issuers = {message.issuer.text if message.issuer is not None else expected_issuer}
    issuers.add(response.assertion.issuer.text if response.assertion.issuer else "")
    if issuers != {expected_issuer}:
        raise SamlRefused(f"issuer {sorted(issuers)!r} is not {expected_issuer!r}")
    if len(message.assertion) != 1 or message.encrypted_assertion:
        raise SamlRefused("not exactly one plain assertion")
    subject = response.assertion.subject
    if not _confirmed_for(subject, conf.acs_url, str(message.in_response_to)):
        raise SamlRefused("no bearer confirmation for caredesk's ACS and this request")
    attributes = _attributes(response.assertion)
    email = email_from(attributes, subject.name_id if subject else None, conf.email_attribute)
    names = attributes.get(conf.name_attribute.lower()) or [""]
    refs = [str(ref) for ref, *_ in response.authn_info() if ref]
    return SamlPerson(
        email=email,
        name=names[0][:MAX_NAME_CHARS],
        groups=groups_from(attributes.get(conf.groups_attribute.lower(), [])),
        did_mfa=did_mfa(refs, conf.mfa_contexts),
        request_id=str(message.in_response_to),
    )
