"""Staff sign-in with an LDAP / Active Directory password (docs/single-sign-on.md,
docs/adr/0034-staff-sign-in-with-ldap-and-active-directory.md).

:func:`authenticate` connects to the directory (``ldap://`` with StartTLS on request, or
``ldaps://``; certificates checked against the system's or the configured CA), binds as
the service account (or anonymously), finds the person with the user filter — the typed
name escaped for the filter (RFC 4515), so it can never widen the search —, binds as the
entry found with the typed password (an empty password is refused before: an LDAP simple
bind with a DN and no password is an *anonymous* bind that succeeds), and reads the email,
the display name and the groups. The protocol is ldap3's (pure Python); the account it
leads to goes through :func:`caredesk.accounts.actions.do_sign_in_staff_from_sso`, as
single sign-on does.
"""

from __future__ import annotations

import logging
import math
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from caredesk.accounts.sso import (
    MAX_GROUP_CHARS,
    MAX_GROUPS,
    Grant,
    GroupRule,
    grant_for,
    parse_group_rules,
)

log = logging.getLogger(__name__)

# Longer user names are not looked up (a user name or an email fits well within this).
MAX_LOGIN_CHARS = 254
MAX_PASSWORD_CHARS = 1024
INVALID_CREDENTIALS = 49


class DirectoryUnavailable(Exception):
    """The directory could not be reached or did not answer as configured."""


@dataclass(frozen=True)
class DirectoryConfig:
    url: str
    start_tls: bool
    ca_file: str
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str
    email_attribute: str
    name_attribute: str
    group_base: str
    group_filter: str
    rules: tuple[GroupRule, ...]
    provider_name: str
    sync_roles: bool
    timeout: float


@dataclass(frozen=True)
class DirectoryPerson:
    dn: str
    email: str
    name: str
    # Each group as its normalised DN and its CN (lower case), as the rules are matched.
    groups: tuple[str, ...]


def normal_dn(dn: str) -> str:
    """``CN=Support, OU=Groups,DC=Example`` → ``cn=support,ou=groups,dc=example``; a DN
    that does not parse is kept as lower-case text."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except LDAPException:
        return dn.strip().lower()
    return ",".join(f"{attr.strip().lower()}={value.strip().lower()}" for attr, value, _ in parts)


def group_names(dns: Iterable[str]) -> tuple[str, ...]:
    """The names a group can be mapped by: its DN and its first RDN's value (the CN)."""
    names: list[str] = []
    for dn in dns:
        if not dn or len(dn) > MAX_GROUP_CHARS:
            continue
        normal = normal_dn(dn)
        names.append(normal)
        first = normal.split(",", 1)[0]
        if "=" in first:
            names.append(first.partition("=")[2])
    return tuple(dict.fromkeys(names))


def parse_rules(raw: str) -> tuple[GroupRule, ...]:
    """``CAREDESK_LDAP_GROUPS``: the rules of single sign-on, each group a DN or a CN,
    matched without regard to case or the spaces after a DN's commas."""
    rules = parse_group_rules(raw, "CAREDESK_LDAP_GROUPS")
    return tuple(
        GroupRule(
            group=normal_dn(r.group) if "=" in r.group else r.group.strip().lower(),
            role=r.role,
            team=r.team,
        )
        for r in rules
    )


def config() -> DirectoryConfig | None:
    """The configured directory, or None when directory sign-in is off."""
    url = str(getattr(settings, "CAREDESK_LDAP_URL", "") or "")
    if not url:
        return None
    raw_rules = str(getattr(settings, "CAREDESK_LDAP_GROUPS", "") or "")
    return DirectoryConfig(
        url=url,
        start_tls=bool(getattr(settings, "CAREDESK_LDAP_START_TLS", False)),
        ca_file=str(getattr(settings, "CAREDESK_LDAP_CA_FILE", "") or ""),
        bind_dn=str(getattr(settings, "CAREDESK_LDAP_BIND_DN", "") or ""),
        bind_password=str(getattr(settings, "CAREDESK_LDAP_BIND_PASSWORD", "") or ""),
        user_base=str(getattr(settings, "CAREDESK_LDAP_USER_BASE", "") or ""),
        user_filter=str(getattr(settings, "CAREDESK_LDAP_USER_FILTER", "") or "(uid=%(user)s)"),
        email_attribute=str(getattr(settings, "CAREDESK_LDAP_EMAIL_ATTRIBUTE", "") or "mail"),
        name_attribute=str(getattr(settings, "CAREDESK_LDAP_NAME_ATTRIBUTE", "") or "displayName"),
        group_base=str(getattr(settings, "CAREDESK_LDAP_GROUP_BASE", "") or ""),
        group_filter=str(getattr(settings, "CAREDESK_LDAP_GROUP_FILTER", "") or "(member=%(dn)s)"),
        rules=parse_rules(raw_rules),
        provider_name=str(getattr(settings, "CAREDESK_LDAP_PROVIDER_NAME", "") or "")
        or "the directory",
        sync_roles=bool(getattr(settings, "CAREDESK_LDAP_SYNC_ROLES", True)),
        timeout=float(getattr(settings, "CAREDESK_LDAP_TIMEOUT", 5.0)),
    )


def grant(person: DirectoryPerson, cfg: DirectoryConfig) -> Grant | None:
    return grant_for(person.groups, cfg.rules)


def _server(cfg: DirectoryConfig) -> Server:
    parts = urlsplit(cfg.url)
    secure = parts.scheme == "ldaps"
    # Certificates are always checked (the system's CAs, or only the configured file);
    # ldap3 then matches the host name against the certificate.
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=cfg.ca_file or None)
    return Server(
        parts.hostname or "",
        port=parts.port or (636 if secure else 389),
        use_ssl=secure,
        tls=tls,
        get_info=NONE,
        connect_timeout=cfg.timeout,
    )


def _connect(cfg: DirectoryConfig, server: Server, user: str | None, password: str | None) -> Any:
    """An open connection (StartTLS done when configured), not yet bound."""
    conn = Connection(
        server,
        user=user,
        password=password,
        receive_timeout=max(1, math.ceil(cfg.timeout)),  # whole seconds (a socket option)
        read_only=True,
        raise_exceptions=False,
        auto_referrals=False,
    )
    conn.open()
    if cfg.start_tls and not conn.start_tls():
        conn.unbind()
        raise DirectoryUnavailable("StartTLS was refused")
    return conn


def _values(attributes: dict[str, Any], name: str) -> list[str]:
    for key, value in attributes.items():
        if key.lower() == name.lower():
            items = value if isinstance(value, list) else [value]
            return [v for v in items if isinstance(v, str)]
    return []


def _entries(conn: Any) -> list[dict[str, Any]]:
    return [r for r in conn.response or [] if r.get("type") == "searchResEntry"]


def authenticate(cfg: DirectoryConfig, login: str, password: str) -> DirectoryPerson | None:
    """The person whose directory password this is, or None (unknown name, several
    matches, wrong or empty password). Raises DirectoryUnavailable when the directory
    cannot be reached or the service account cannot search (logged, never the password)."""
    login = login.strip()
    if not login or not password or len(login) > MAX_LOGIN_CHARS:
        return None
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    try:
        return _authenticate(cfg, login, password)
    except (LDAPException, OSError) as exc:
        log.warning("directory sign-in: %s could not be reached: %s", cfg.url, type(exc).__name__)
        raise DirectoryUnavailable(type(exc).__name__) from None


def _authenticate(cfg: DirectoryConfig, login: str, password: str) -> DirectoryPerson | None:
    server = _server(cfg)
    service = _connect(cfg, server, cfg.bind_dn or None, cfg.bind_password or None)
    try:
        if not service.bind():
            log.error(
                "directory sign-in: the service account %r could not bind: %s",
                cfg.bind_dn or "(anonymous)",
                service.result.get("description"),
            )
            raise DirectoryUnavailable("service bind refused")
        search_filter = cfg.user_filter % {"user": escape_filter_chars(login)}
        wanted = [cfg.email_attribute, cfg.name_attribute, "cn", "memberOf"]
        service.search(
            cfg.user_base,
            search_filter,
            search_scope=SUBTREE,
            attributes=wanted,
            size_limit=2,
            time_limit=max(1, int(cfg.timeout)),
        )
        found = _entries(service)
        if len(found) != 1:
            return None  # no one, or a filter that matches several: never a guess
        entry = found[0]
        dn, attributes = str(entry.get("dn") or ""), dict(entry.get("attributes") or {})
        if not dn or not _password_is_right(cfg, server, dn, password):
            return None
        if cfg.group_base:
            service.search(
                cfg.group_base,
                cfg.group_filter % {"dn": escape_filter_chars(dn)},
                search_scope=SUBTREE,
                attributes=["cn"],
                size_limit=MAX_GROUPS,
                time_limit=max(1, int(cfg.timeout)),
            )
            group_dns = [str(g.get("dn") or "") for g in _entries(service)]
        else:
            group_dns = _values(attributes, "memberOf")[:MAX_GROUPS]
    finally:
        service.unbind()
    emails = _values(attributes, cfg.email_attribute)
    names = _values(attributes, cfg.name_attribute) or _values(attributes, "cn")
    return DirectoryPerson(
        dn=dn,
        email=emails[0].strip() if emails else "",
        name=names[0].strip() if names else "",
        groups=group_names(group_dns),
    )


def _password_is_right(cfg: DirectoryConfig, server: Server, dn: str, password: str) -> bool:
    """A bind as the person; an answer other than success (49: invalid credentials; AD
    also answers 49 for disabled or expired accounts) is a no."""
    conn = _connect(cfg, server, dn, password)
    try:
        if conn.bind():
            return True
        code = conn.result.get("result")
        if code != INVALID_CREDENTIALS:
            log.info("directory sign-in refused for %r: %s", dn, conn.result.get("description"))
        return False
    finally:
        conn.unbind()
