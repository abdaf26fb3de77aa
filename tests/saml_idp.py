"""A small SAML 2.0 identity provider for the SAML sign-in tests.

Its key and self-signed certificate are made here with ``cryptography``; its metadata
names that certificate. It reads caredesk's AuthnRequest from the redirect URL and
writes Responses whose Assertion (and/or the Response) is signed with xmlsec1 through
pysaml2's signer, the way a real IdP's are. Each part of the Response can be set by the
test, to build the faulty ones (another audience, expired, no InResponseTo, ...).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2.config import Config
from saml2.samlp import authn_request_from_string
from saml2.sigver import pre_signature_part, security_context
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

ENTITY_ID = "https://idp.example.test/saml/metadata"
SSO_URL = "https://idp.example.test/saml/sso"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CONTEXT = "https://refeds.org/profile/mfa"


def _instant(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_key_and_cert(folder: Path, name: str) -> tuple[Path, Path, str]:
    """A 2048-bit RSA key and a self-signed certificate for it; returns both paths and
    the certificate's base64 DER (as metadata carries it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return key_path, cert_path, der


@dataclass
class Assertion:
    """The parts of one Response; the defaults make a good one for ``request_id``."""

    request_id: str | None
    acs_url: str
    audience: str
    email: str = "nia@corp.test"
    name: str = "Nia SAML"
    groups: list[str] = field(default_factory=lambda: ["support"])
    class_ref: str = MFA_CONTEXT
    issuer: str = ENTITY_ID
    destination: str | None = None  # default: acs_url
    recipient: str | None = None  # default: acs_url
    age: dt.timedelta = dt.timedelta(0)  # issued this long ago
    lifetime: dt.timedelta = dt.timedelta(minutes=5)
    email_in_attribute: bool = True
    sign_assertion: bool = True
    sign_response: bool = False
    assertion_id: str = field(default_factory=lambda: "_a" + secrets.token_hex(16))
    response_id: str = field(default_factory=lambda: "_r" + secrets.token_hex(16))


class IdentityProvider:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key_file, self.cert_file, self.cert_der = make_key_and_cert(folder, "idp")
        conf = Config()
        conf.key_file = str(self.key_file)
        conf.cert_file = str(self.cert_file)
        conf.xmlsec_binary = shutil.which("xmlsec1")
        conf.crypto_backend = "xmlsec1"
        self.security = security_context(conf)

    def metadata(self, *, cert_der: str | None = None) -> str:
        cert = cert_der or self.cert_der
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{SSO_URL}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""

    @staticmethod
    def read_request(location: str) -> tuple[str, str, str, dict[str, list[str]]]:
        """caredesk's AuthnRequest from the redirect: its id, ACS URL, issuer and the
        query (SAMLRequest, and SigAlg/Signature when signed)."""
        query = parse_qs(urlsplit(location).query)
        raw = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
        request = authn_request_from_string(raw)
        return (
            str(request.id),
            str(request.assertion_consumer_service_url),
            str(request.issuer.text),
            query,
        )

    def response_xml(self, a: Assertion) -> str:
        now = dt.datetime.now(dt.UTC) - a.age
        before, later = now - dt.timedelta(seconds=30), now + a.lifetime
        irt = f" InResponseTo={quoteattr(a.request_id)}" if a.request_id else ""
        destination = a.acs_url if a.destination is None else a.destination
        recipient = a.acs_url if a.recipient is None else a.recipient
        attributes = []
        if a.email_in_attribute:
            attributes.append(("email", [a.email]))
        attributes += [("displayName", [a.name]), ("groups", a.groups)]
        statements = "".join(
            f"<saml:Attribute Name={quoteattr(name)}>"
            + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in values)
            + "</saml:Attribute>"
            for name, values in attributes
        )
        assertion_sig = self._signature(a.assertion_id) if a.sign_assertion else ""
        response_sig = self._signature(a.response_id) if a.sign_response else ""
        xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{a.response_id}" Version="2.0" IssueInstant="{_instant(now)}" Destination={quoteattr(destination)}{irt}><saml:Issuer>{escape(a.issuer)}</saml:Issuer>{response_sig}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{a.assertion_id}" Version="2.0" IssueInstant="{_instant(now)}"><saml:Issuer>{escape(a.issuer)}</saml:Issuer>{assertion_sig}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{escape(a.email)}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData{irt} NotOnOrAfter="{_instant(later)}" Recipient={quoteattr(recipient)}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{_instant(before)}" NotOnOrAfter="{_instant(later)}"><saml:AudienceRestriction><saml:Audience>{escape(a.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="{a.assertion_id}"><saml:AuthnContext><saml:AuthnContextClassRef>{escape(a.class_ref)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{statements}</saml:AttributeStatement></saml:Assertion></samlp:Response>"""
        if a.sign_assertion:
            xml = self.security.sign_statement(xml, ASSERTION, node_id=a.assertion_id)
        if a.sign_response:
            xml = self.security.sign_statement(xml, RESPONSE, node_id=a.response_id)
        return str(xml)

    def _signature(self, ident: str) -> str:
        part = pre_signature_part(ident=ident, digest_alg=DIGEST_SHA256, sign_alg=SIG_RSA_SHA256)
        return str(part.to_string().decode())

    @staticmethod
    def post(xml: str) -> str:
        """The SAMLResponse form field (HTTP-POST binding: base64 of the XML)."""
        return base64.b64encode(xml.encode()).decode()
