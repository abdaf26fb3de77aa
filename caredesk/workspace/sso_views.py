"""Staff sign-in with the identity provider (OpenID Connect, docs/single-sign-on.md).

``/login/sso/`` sends the browser to the provider (authorization code flow with PKCE,
a fresh state and nonce kept in the session); ``/login/sso/callback/`` takes the code
back, and Authlib exchanges it and checks the ID token (signature against the provider's
JWKS, ``iss``, ``aud``, ``exp``, ``nonce``). The person then gets their staff account
through :func:`caredesk.accounts.actions.do_sign_in_staff_from_sso`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import is_ratelimited
from joserfc.errors import JoseError as JoseRfcError
from requests import RequestException

from caredesk.accounts import sso, two_factor
from caredesk.accounts.actions import do_sign_in_staff_from_sso
from caredesk.accounts.backends import PROVIDER_MFA_PATH
from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.workspace.auth_views import (
    BACKEND,
    LOGIN_RATE,
    PENDING_KEY,
    TOO_MANY,
    _safe_next,
)

log = logging.getLogger(__name__)
NEXT_KEY = "caredesk_sso_next"
CLIENT_NAME = "caredesk_sso"
# Names of Authlib's own client parameters: a discovery document's key must not set them.
_NOT_METADATA = frozenset(
    {
        "name",
        "overwrite",
        "client_id",
        "client_secret",
        "client_kwargs",
        "server_metadata_url",
        "access_token_url",
        "access_token_params",
        "authorize_url",
        "authorize_params",
        "request_token_url",
        "request_token_params",
        "api_base_url",
        "fetch_token",
        "update_token",
        "compliance_fix",
        "client_auth_methods",
        "user_agent",
    }
)
# The provider's clock may run a little ahead or behind ours.
LEEWAY_SECONDS = 60


def _client(config: sso.SsoConfig) -> Any:
    """A client for this request (settings may change between requests; Authlib keeps the
    state, nonce and PKCE verifier in the session, not in the client). The discovery
    document and JWKS come from the cache (:func:`caredesk.accounts.sso.provider_metadata`);
    Authlib refetches the JWKS itself when the ID token's ``kid`` is not in it."""
    oauth = OAuth()
    return oauth.register(
        CLIENT_NAME,
        client_id=config.client_id,
        client_secret=config.client_secret,
        client_kwargs={"scope": config.scopes, "code_challenge_method": "S256", "timeout": 10},
        **{k: v for k, v in sso.provider_metadata(config).items() if k not in _NOT_METADATA},
    )


def _refuse(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    config = sso.config()
    context = {"error": message, "provider": config.provider_name if config else ""}
    return render(request, "workspace/sso_refused.html", context, status=status)


def _limited(request: HttpRequest, group: str) -> bool:
    """The sign-in's per-address rate (``LOGIN_RATE``), counted apart for each step."""
    return bool(
        is_ratelimited(
            request, group=group, key="ip", rate=LOGIN_RATE, method="GET", increment=True
        )
    )


@never_cache
@require_GET
def sso_start_view(request: HttpRequest) -> HttpResponse:
    config = sso.config()
    if config is None:
        return HttpResponseRedirect("/login/?next=%2F")
    if _limited(request, "login-sso-start-ip"):
        return _refuse(request, str(TOO_MANY), status=429)
    request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next", ""))
    redirect_uri = request.build_absolute_uri(reverse("workspace:login-sso-callback"))
    try:
        return _client(config).authorize_redirect(request, redirect_uri)
    except (RequestException, OAuthError, ValueError, KeyError) as exc:
        log.warning("single sign-on: the provider's discovery failed: %s", exc)
        return _refuse(
            request,
            f"{config.provider_name} could not be reached. Try again in a minute.",
            status=502,
        )


def _userinfo(request: HttpRequest, config: sso.SsoConfig) -> dict[str, Any] | None:
    # The audience is checked here, not left to Authlib's ``azp`` rule (which lets a token
    # for another client through when it names this one as ``azp``).
    issuers = list(dict.fromkeys([config.issuer, config.issuer.rstrip("/")]))
    claims_options = {
        "iss": {"essential": True, "values": issuers},
        "aud": {"essential": True, "values": [config.client_id]},
        "exp": {"essential": True},
    }
    client = _client(config)
    cached = dict(client.server_metadata)
    token = client.authorize_access_token(
        request, leeway=LEEWAY_SECONDS, claims_options=claims_options
    )
    sso.remember_jwks(cached, client.server_metadata.get("jwks"))
    info = token.get("userinfo")
    return dict(info) if info else None


@never_cache
@require_GET
def sso_callback_view(request: HttpRequest) -> HttpResponse:
    config = sso.config()
    if config is None:
        return HttpResponseRedirect("/login/?next=%2F")
    if _limited(request, "login-sso-ip"):
        return _refuse(request, str(TOO_MANY), status=429)
    failed = gettext("Signing in with %(provider)s did not work. Please start again.") % {
        "provider": config.provider_name
    }
    try:
        claims = _userinfo(request, config)
    except (AuthlibBaseError, JoseRfcError) as exc:
        log.info("single sign-on refused: %s", exc)
        return _refuse(request, failed, status=400)
    except (RequestException, ValueError, KeyError, TypeError) as exc:
        log.warning("single sign-on: the provider's answer was unusable: %s", exc)
        return _refuse(request, failed, status=400)
    if claims is None:
        return _refuse(request, failed, status=400)
    email = claims.get("email")
    if not isinstance(email, str) or not email or claims.get("email_verified") is False:
        return _refuse(
            request,
            gettext("%(provider)s did not give caredesk a verified email address.")
            % {"provider": config.provider_name},
        )
    grant = sso.grant_for(sso.groups_from_claims(claims, config.groups_claim), config.rules)
    if grant is None:
        return _refuse(
            request,
            gettext(
                "Your account at %(provider)s is not in a group that may use caredesk. "
                "Ask your administrator to add you to one."
            )
            % {"provider": config.provider_name},
        )
    name = claims.get("name")
    try:
        user = do_sign_in_staff_from_sso(
            email=email,
            name=name if isinstance(name, str) else "",
            grant=grant,
            sync=config.sync_roles,
            provider=config.provider_name,
            method="oidc",
            now=clock.now(),
        )
    except DomainError as exc:
        return _refuse(request, exc.message)
    target = str(request.session.pop(NEXT_KEY, "") or "/")
    return finish_sign_in(request, user, provider_mfa=sso.provider_did_mfa(claims), target=target)


def finish_sign_in(
    request: HttpRequest, user: User, *, provider_mfa: bool, target: str
) -> HttpResponse:
    """Signs in a person the identity provider vouched for (OpenID Connect or SAML)."""
    if provider_mfa:
        login(request, user, backend=PROVIDER_MFA_PATH)
        return HttpResponseRedirect(target)
    # The provider did no second factor: caredesk's own code, as with a password (and the
    # role's two-factor rule holds those without one on the set-up page).
    if two_factor.must_enrol(user):
        target = two_factor.ENROL_URL
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        request.session[PENDING_KEY] = {"uid": user.pk, "at": time.time(), "next": target}
        return HttpResponseRedirect("/login/verify/")
    login(request, user, backend=BACKEND)
    return HttpResponseRedirect(target)
