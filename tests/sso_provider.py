"""A small, real OpenID Connect provider for the single sign-on tests.

It listens on 127.0.0.1 (a random port) and speaks the authorization code flow with PKCE
(S256) over HTTP: discovery, /authorize (signs in whoever the test chose, no page),
/token (client secret, single-use codes, the PKCE verifier checked) and /jwks. ID tokens
are real RS256 JWTs signed with joserfc; the test can ask for faulty ones (a wrong
audience, expired, tampered, signed by a key not in the JWKS).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "caredesk-test"
CLIENT_SECRET = "s3cret-for-tests"


@dataclass
class Person:
    sub: str
    email: str
    name: str = "Sam Provider"
    groups: list[str] = field(default_factory=list)
    amr: list[str] | None = None
    email_verified: bool = True


@dataclass
class Faults:
    audience: str | None = None
    azp: str | None = None
    expired: bool = False
    tampered: bool = False
    foreign_key: bool = False


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.foreign = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.person: Person | None = None
        self.faults = Faults()
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_calls = 0
        self.discovery_calls = 0
        self.jwks_calls = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def rotate(self, kid: str = "k2") -> None:
        """A new signing key under a new ``kid``; the JWKS serves only the new one."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid})

    # --- the endpoints -------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE required"}
        if self.person is None:
            return 400, {}, {"error": "login_required"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "person": self.person,
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
            "redirect_uri": query.get("redirect_uri"),
        }
        back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": back}, None

    def token(self, form: dict[str, str], auth: str) -> tuple[int, dict[str, str], Any]:
        self.token_calls += 1
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}":
            return 401, {}, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {}, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {}, {"error": "invalid_grant"}
        if create_s256_code_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return 400, {}, {"error": "invalid_grant", "error_description": "PKCE failed"}
        return (
            200,
            {},
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["person"], grant["nonce"]),
            },
        )

    def id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time()) - (7200 if self.faults.expired else 0)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.sub,
            "aud": self.faults.audience or CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "email": person.email,
            "email_verified": person.email_verified,
            "name": person.name,
            "groups": person.groups,
        }
        if nonce:
            claims["nonce"] = nonce
        if self.faults.azp:
            claims["azp"] = self.faults.azp
        if person.amr is not None:
            claims["amr"] = person.amr
        key = self.foreign if self.faults.foreign_key else self.key
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if self.faults.tampered:
            head, body, sig = token.split(".")
            changed = dict(claims, groups=["admins"])
            body = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
            token = ".".join((head, body, sig))
        return token

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, headers: dict[str, str], body: Any) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    provider.discovery_calls += 1
                    self._answer(200, {}, provider.metadata())
                elif url.path == "/jwks":
                    provider.jwks_calls += 1
                    self._answer(200, {}, {"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    self._answer(*provider.authorize(query))
                else:
                    self._answer(404, {}, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if urlsplit(self.path).path == "/token":
                    self._answer(*provider.token(form, self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {}, {"error": "not_found"})

        return Handler
