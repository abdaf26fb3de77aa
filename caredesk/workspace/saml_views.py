"""Staff sign-in with a SAML 2.0 identity provider (docs/single-sign-on.md#saml-20).

``/login/saml/`` sends the browser to the identity provider with an AuthnRequest
(HTTP-Redirect binding) whose id is kept in the session; ``/login/saml/acs/`` takes the
signed Response back (HTTP-POST binding) and :mod:`caredesk.accounts.saml` checks it.
Each request id is answered once. ``/login/saml/metadata/`` is caredesk's SP metadata.

The identity provider posts the Response from its own site, so the browser leaves out
caredesk's ``SameSite=Lax`` session cookie. A post that arrives without one is answered
with a page that posts the same Response again from caredesk's own page (where the cookie
goes along); only that second post is checked.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from caredesk.accounts import saml, sso
from caredesk.accounts.actions import do_sign_in_staff_from_sso
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.workspace.auth_views import LOGIN_RATE, TOO_MANY, _safe_next
from caredesk.workspace.sso_views import finish_sign_in

log = logging.getLogger(__name__)
REQUESTS_KEY = "caredesk_saml_requests"
# Open sign-ins kept per session (a few tabs); the oldest is forgotten beyond this.
MAX_OUTSTANDING = 5


def _refuse(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    config = saml.config()
    context = {"error": message, "provider": config.provider_name if config else ""}
    return render(request, "workspace/sso_refused.html", context, status=status)


def _limited(request: HttpRequest, group: str, method: str) -> bool:
    return bool(
        is_ratelimited(
            request, group=group, key="ip", rate=LOGIN_RATE, method=method, increment=True
        )
    )


@never_cache
@require_GET
def saml_start_view(request: HttpRequest) -> HttpResponse:
    config = saml.config()
    if config is None:
        return HttpResponseRedirect("/login/?next=%2F")
    if _limited(request, "login-saml-start-ip", "GET"):
        return _refuse(request, str(TOO_MANY), status=429)
    request_id, location = saml.authn_request(config)
    outstanding = dict(request.session.get(REQUESTS_KEY) or {})
    outstanding[request_id] = _safe_next(request, request.GET.get("next", ""))
    request.session[REQUESTS_KEY] = dict(list(outstanding.items())[-MAX_OUTSTANDING:])
    return HttpResponseRedirect(location)


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > saml.MAX_RESPONSE_BYTES


@csrf_exempt  # the identity provider posts here; the signed Response is the proof
@never_cache
@require_POST
def saml_acs_view(request: HttpRequest) -> HttpResponse:
    config = saml.config()
    if config is None:
        return HttpResponseRedirect("/login/?next=%2F")
    if _too_large(request):
        return _refuse(
            request,
            _("The answer from %(provider)s is too large (more than 256 kB); it was refused.")
            % {"provider": config.provider_name},
            status=413,
        )
    failed = _("Signing in with %(provider)s did not work. Please start again.") % {
        "provider": config.provider_name
    }
    posted = request.POST.get("SAMLResponse", "")
    if not posted:
        return _refuse(request, failed, status=400)
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.POST.get("again"):
        # Posted from the provider's site without caredesk's session cookie: post it again
        # from here (see the module's docstring).
        return render(request, "workspace/saml_continue.html", {"saml_response": posted})
    # Counted once per sign-in: the post that is checked (not the bounce above).
    if _limited(request, "login-saml-ip", "POST"):
        return _refuse(request, str(TOO_MANY), status=429)
    outstanding = dict(request.session.get(REQUESTS_KEY) or {})
    try:
        person = saml.read_response(config, posted, outstanding)
    except saml.SamlRefused as exc:
        log.info("SAML sign-in refused: %s", exc)
        return _refuse(request, failed, status=400)
    # Each request id is answered once.
    target = outstanding.pop(person.request_id, "") or "/"
    request.session[REQUESTS_KEY] = outstanding
    if not person.email or "@" not in person.email:
        return _refuse(
            request,
            _("%(provider)s did not give caredesk an email address.")
            % {"provider": config.provider_name},
        )
    grant = sso.grant_for(person.groups, config.rules)
    if grant is None:
        return _refuse(
            request,
            _(
                "Your account at %(provider)s is not in a group that may use caredesk. "
                "Ask your administrator to add you to one."
            )
            % {"provider": config.provider_name},
        )
    try:
        user = do_sign_in_staff_from_sso(
            email=person.email,
            name=person.name,
            grant=grant,
            sync=config.sync_roles,
            provider=config.provider_name,
            method="saml",
            now=clock.now(),
        )
    except DomainError as exc:
        return _refuse(request, exc.message)
    return finish_sign_in(request, user, provider_mfa=person.did_mfa, target=target)


@never_cache
@require_GET
def saml_metadata_view(request: HttpRequest) -> HttpResponse:
    config = saml.config()
    if config is None:
        return HttpResponse(status=404)
    return HttpResponse(saml.sp_metadata(config), content_type="application/samlmetadata+xml")
