"""Staff single sign-on with OpenID Connect: the configuration and the pure decisions
(docs/single-sign-on.md, docs/adr/0032-single-sign-on-with-openid-connect.md).

The protocol itself (authorization code with PKCE, state, nonce, the ID token's signature
against the provider's JWKS, ``iss``/``aud``/``exp``) is Authlib's; this module reads the
settings, turns the provider's groups into a caredesk role and teams, and tells whether
the provider's sign-in counts as two-factor. The accounts it creates or updates go
through :func:`caredesk.accounts.actions.do_sign_in_staff_from_sso`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from caredesk.accounts.models import ROLE_LEVEL, STAFF_ROLES, Role

MAX_GROUPS = 500
# The provider's discovery document and JWKS are kept in the cache this long (seconds) by
# default (CAREDESK_OIDC_METADATA_TTL); an ID token with an unknown ``kid`` refetches the
# JWKS once (key rotation).
METADATA_TTL = 3600
FETCH_TIMEOUT = 10
MAX_GROUP_CHARS = 256
# ``amr`` values that say the provider asked for a second factor (RFC 8176).
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris", "retina"})


@dataclass(frozen=True)
class GroupRule:
    group: str
    role: Role
    team: str  # a team's name or slug; "" for none


@dataclass(frozen=True)
class Grant:
    """What a person's groups give them: the highest mapped role and every mapped team.
    ``managed_teams`` are all the teams the mapping names (synchronised memberships)."""

    role: Role
    teams: tuple[str, ...]
    managed_teams: tuple[str, ...]


@dataclass(frozen=True)
class SsoConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    groups_claim: str
    rules: tuple[GroupRule, ...]
    provider_name: str
    sync_roles: bool

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _split_rule(entry: str) -> tuple[str, str, str] | None:
    """``group=role[:team]`` → (group, role, team), or None. The group may itself contain
    ``=`` (an LDAP group's DN): the first ``=`` that is followed by a role wins, else the
    last one."""
    for group, sep, target in (entry.partition("="), entry.rpartition("=")):
        role_name, _, team = target.partition(":")
        group, role_name, team = group.strip(), role_name.strip().lower(), team.strip()
        if sep and group and role_name in STAFF_ROLES:
            return group, role_name, team
    return None


def split_rule_entries(raw: str) -> list[str]:
    """The entries of a group mapping: separated by commas, or by semicolons (and line
    breaks) when the value has one, for groups that are DNs with commas of their own."""
    separated = ";" in raw or "\n" in raw
    parts = raw.replace("\n", ";").split(";") if separated else raw.split(",")
    return [p.strip() for p in parts if p.strip()]


def parse_group_rules(raw: str, setting: str = "CAREDESK_OIDC_GROUPS") -> tuple[GroupRule, ...]:
    """``"support-leads=lead:Support,admins=admin"`` → the rules, in order.

    Raises ImproperlyConfigured with the faulty entry (a typo must not silently give
    nobody, or everybody, a role)."""
    rules: list[GroupRule] = []
    for entry in split_rule_entries(raw):
        parsed = _split_rule(entry)
        if parsed is None:
            raise ImproperlyConfigured(
                f"{setting}: {entry[:80]!r} is not group=role[:team] with a role "
                f"among {', '.join(STAFF_ROLES)}"
            )
        group, role_name, team = parsed
        rules.append(GroupRule(group=group, role=Role(role_name), team=team))
    return tuple(rules)


def grant_for(groups: Iterable[str], rules: Iterable[GroupRule]) -> Grant | None:
    """The role and teams the groups map to, or None when no group is mapped."""
    rules = tuple(rules)
    have = set(groups)
    matched = [r for r in rules if r.group in have]
    if not matched:
        return None
    role = max((r.role for r in matched), key=lambda r: ROLE_LEVEL[r])
    teams = tuple(dict.fromkeys(r.team for r in matched if r.team))
    managed = tuple(dict.fromkeys(r.team for r in rules if r.team))
    return Grant(role=role, teams=teams, managed_teams=managed)


def groups_from_claims(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The groups claim as a list of short strings (a single string counts as one group;
    anything else, or oversized entries, are dropped)."""
    value = claims.get(claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [g for g in value[:MAX_GROUPS] if isinstance(g, str) and len(g) <= MAX_GROUP_CHARS]


def provider_did_mfa(claims: Mapping[str, Any]) -> bool:
    """An SSO sign-in counts as the provider's two-factor unless its ID token says
    otherwise: an ``amr`` claim without any second-factor method."""
    amr = claims.get("amr")
    if amr is None:
        return True
    if not isinstance(amr, list):
        return False
    return bool(MFA_METHODS & {m for m in amr if isinstance(m, str)})


def config() -> SsoConfig | None:
    """The configured provider, or None when single sign-on is off."""
    issuer = str(getattr(settings, "CAREDESK_OIDC_ISSUER", "") or "")
    client_id = str(getattr(settings, "CAREDESK_OIDC_CLIENT_ID", "") or "")
    if not issuer or not client_id:
        return None
    return SsoConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=str(getattr(settings, "CAREDESK_OIDC_CLIENT_SECRET", "") or ""),
        scopes=str(getattr(settings, "CAREDESK_OIDC_SCOPES", "openid email profile groups")),
        groups_claim=str(getattr(settings, "CAREDESK_OIDC_GROUPS_CLAIM", "groups")),
        rules=parse_group_rules(str(getattr(settings, "CAREDESK_OIDC_GROUPS", "") or "")),
        provider_name=str(
            getattr(settings, "CAREDESK_OIDC_PROVIDER_NAME", "") or "your identity provider"
        ),
        sync_roles=bool(getattr(settings, "CAREDESK_OIDC_SYNC_ROLES", True)),
    )


def staff_passwords_on() -> bool:
    return bool(getattr(settings, "CAREDESK_STAFF_PASSWORDS", True))


def is_break_glass(email: str) -> bool:
    listed = getattr(settings, "CAREDESK_BREAK_GLASS_ADMINS", ())
    return email.strip().lower() in {str(e).strip().lower() for e in listed}


# --- the provider's discovery document and keys, cached ---------------------------------


def _cache_key(kind: str, url: str) -> str:
    return f"caredesk:oidc:{kind}:" + hashlib.sha256(url.encode()).hexdigest()[:32]


def _ttl() -> int:
    return max(0, min(int(getattr(settings, "CAREDESK_OIDC_METADATA_TTL", METADATA_TTL)), 86400))


def _fetch_json(url: str) -> dict[str, Any]:
    answer = requests.get(url, timeout=FETCH_TIMEOUT)
    answer.raise_for_status()
    body = answer.json()
    if not isinstance(body, dict):
        raise ValueError(f"{url}: not a JSON object")
    return body


def provider_metadata(config: SsoConfig) -> dict[str, Any]:
    """The discovery document with the provider's JWKS under ``jwks``, from the cache when
    fetched less than the TTL ago (failures are not cached)."""
    meta_key = _cache_key("discovery", config.metadata_url)
    metadata = cache.get(meta_key)
    if not isinstance(metadata, dict):
        metadata = _fetch_json(config.metadata_url)
        cache.set(meta_key, metadata, _ttl())
    jwks_uri = metadata.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri:
        raise ValueError("the provider's discovery document names no jwks_uri")
    jwks_key = _cache_key("jwks", jwks_uri)
    jwks = cache.get(jwks_key)
    if not isinstance(jwks, dict):
        jwks = _fetch_json(jwks_uri)
        cache.set(jwks_key, jwks, _ttl())
    return {**metadata, "jwks": jwks}


def remember_jwks(metadata: dict[str, Any], jwks: Any) -> None:
    """Keeps a JWKS refetched during a sign-in (a ``kid`` the cached set lacked)."""
    jwks_uri = metadata.get("jwks_uri")
    if isinstance(jwks_uri, str) and isinstance(jwks, dict) and jwks != metadata.get("jwks"):
        cache.set(_cache_key("jwks", jwks_uri), jwks, _ttl())
