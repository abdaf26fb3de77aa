"""A throwaway OpenLDAP ``slapd`` on 127.0.0.1 for the directory sign-in tests.

Its configuration, TLS certificates (a CA made here, a server certificate for localhost
and 127.0.0.1) and data live in a temporary folder; it listens on ``ldap://`` (StartTLS
offered) and ``ldaps://`` on random ports, with the ``memberof`` overlay (as Active
Directory, people carry ``memberOf``) and ``groupOfNames`` groups for a group search. An
auxiliary class adds an AD-like ``sAMAccountName``. Entries are added over the wire once
it runs, so the overlay maintains ``memberOf``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ldap3 import Connection, Server

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
SERVICE_DN = f"cn=caredesk,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"

AD_SCHEMA = """
attributetype ( 1.3.6.1.4.1.4203.666.11.99.1 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.99.2 NAME 'adLikeUser' AUXILIARY
  MAY sAMAccountName )
"""


@dataclass(frozen=True)
class Person:
    uid: str
    password: str
    mail: str
    name: str
    groups: tuple[str, ...] = ()
    sam: str = ""

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE}"


PEOPLE_IN_DIRECTORY = (
    Person("alice", "alice-pw", "alice@example.org", "Alice Lead", ("support-leads",), "ALICE"),
    Person("bob", "bob-pw", "bob@example.org", "Bob Agent", ("support",), "BOB"),
    Person("carol", "carol-pw", "carol@example.org", "Carol Admin", ("desk-admins",)),
    Person("dave", "dave-pw", "dave@example.org", "Dave Nobody", ("marketing",)),
    Person("erin", "erin-pw", "", "Erin Nomail", ("support",)),
)
GROUP_NAMES = ("support-leads", "support", "desk-admins", "marketing")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _certificates(root: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caredesk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (root / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (root / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (root / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _config(root: Path) -> Path:
    (root / "ad-like.schema").write_text(AD_SCHEMA)
    (root / "data").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(
        f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {root}/ad-like.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
TLSCACertificateFile {root}/ca.pem
TLSCertificateFile {root}/server.pem
TLSCertificateKeyFile {root}/server.key
sizelimit 500
database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {root}/data
overlay memberof
access to attrs=userPassword by self read by anonymous auth by * none
access to * by * read
"""
    )
    return conf


class Directory:
    """The running slapd: ``url`` (ldap://, StartTLS offered), ``ldaps_url``, ``ca_file``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="caredesk-slapd-"))
        self.port = free_port()
        self.tls_port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_url = f"ldaps://localhost:{self.tls_port}"
        self.start_tls_url = f"ldap://localhost:{self.port}"
        self.ca_file = str(self.root / "ca.pem")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Directory:
        _certificates(self.root)
        conf = _config(self.root)
        urls = f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/"
        self.proc = subprocess.Popen(
            [SLAPD, "-d", "0", "-f", str(conf), "-h", urls],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with self.admin() as conn:
                    conn.search(SUFFIX, "(objectClass=*)", search_scope="BASE")
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                    self.stop()
                    pytest.fail(f"slapd did not start:\n{out[-3000:]}")
                time.sleep(0.2)
        self._load()
        return self

    def admin(self) -> Connection:
        server = Server("127.0.0.1", port=self.port, connect_timeout=2)
        return Connection(server, ROOT_DN, ROOT_PASSWORD, auto_bind=True, receive_timeout=5)

    def _load(self) -> None:
        with self.admin() as conn:
            self._add(conn, SUFFIX, ["dcObject", "organization"], dc="example", o="Example")
            for ou in ("people", "groups", "services"):
                self._add(conn, f"ou={ou},{SUFFIX}", ["organizationalUnit"], ou=ou)
            self._add(
                conn,
                SERVICE_DN,
                ["organizationalRole", "simpleSecurityObject"],
                cn="caredesk",
                userPassword=SERVICE_PASSWORD,
            )
            for person in PEOPLE_IN_DIRECTORY:
                self.add_person(person, conn)
            for group in GROUP_NAMES:
                members = [p.dn for p in PEOPLE_IN_DIRECTORY if group in p.groups]
                self._add(
                    conn,
                    f"cn={group},{GROUPS}",
                    ["groupOfNames"],
                    cn=group,
                    member=members or [ROOT_DN],
                )

    def add_person(self, person: Person, conn: Connection | None = None) -> None:
        attrs: dict[str, object] = {
            "uid": person.uid,
            "cn": person.name,
            "sn": person.name.split()[-1],
            "displayName": person.name,
            "userPassword": person.password,
        }
        if person.mail:
            attrs["mail"] = person.mail
        classes = ["inetOrgPerson"]
        if person.sam:
            classes.append("adLikeUser")
            attrs["sAMAccountName"] = person.sam
        with self.admin() as own:
            own.delete(person.dn)  # a test run again finds its own entry gone, not twice
            self._add(conn or own, person.dn, classes, **attrs)

    def set_groups(self, person: Person, groups: tuple[str, ...]) -> None:
        """Move the person to exactly these groups (memberOf follows)."""
        with self.admin() as conn:
            for group in GROUP_NAMES:  # out of every group first (a no-op where not in)
                conn.modify(f"cn={group},{GROUPS}", {"member": [("MODIFY_DELETE", [person.dn])]})
            for group in groups:
                dn = f"cn={group},{GROUPS}"
                if not conn.modify(dn, {"member": [("MODIFY_ADD", [person.dn])]}):
                    raise RuntimeError(f"could not add {person.dn} to {dn}: {conn.result}")

    @staticmethod
    def _add(conn: Connection, dn: str, classes: list[str], **attrs: object) -> None:
        if not conn.add(dn, classes, attrs):
            raise RuntimeError(f"could not add {dn}: {conn.result}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def slapd_or_skip() -> None:
    if not os.path.exists(SLAPD):
        if os.environ.get("CI"):
            pytest.fail("slapd is missing: run scripts/install-system-deps.sh")
        pytest.skip("slapd is not installed (scripts/install-system-deps.sh)")
