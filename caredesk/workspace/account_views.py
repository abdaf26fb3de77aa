"""The staff member's own account: two-factor, API tokens, the away switch and which
notifications come by mail (saved by ``notification_views.preferences``)."""

from __future__ import annotations

import io
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts import two_factor
from caredesk.accounts.actions import (
    do_create_api_token,
    do_revoke_api_token,
    do_set_away,
    do_set_staff_locale,
    time_zone_choices,
)
from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import ApiToken
from caredesk.core import notification_prefs
from caredesk.core.clock import now
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk, error_status
from caredesk.core.notifications import Delivery
from caredesk.workspace import actions
from caredesk.workspace.forms import CodeForm, TokenForm

ACCOUNT_URL = "/account/"


def qr_svg(data: str) -> str:
    """A QR code as an SVG document, drawn on the server (no script, no remote image)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


def _render(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = current_user(request)
    pending = actions.pending_totp_device(user)
    context: dict[str, Any] = {
        "totp_on": actions.confirmed_totp_device(user) is not None,
        "totp_required": two_factor.required_for(user),
        "recovery_left": actions.unused_recovery_codes(user),
        "pending": pending,
        "tokens": list(ApiToken.objects.filter(user=user).order_by("-created_at")[:50]),
        "token_form": extra.pop("token_form", None) or TokenForm(),
        "code_form": CodeForm(),
        "nav": "account",
        "prefs": notification_prefs.preferences(user.pk),
        "deliveries": Delivery.choices,
        "digest_choices": notification_prefs.DIGEST_HOURS,
        "languages": settings.LANGUAGES,
        "default_language": dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, ""),
        "time_zones": time_zone_choices(),
        "default_time_zone": settings.TIME_ZONE,
    }
    if pending is not None:
        context["otpauth_uri"] = pending.config_url
        # Safe: the SVG is generated here from a URI we built; it holds only path data.
        context["qr_svg"] = mark_safe(qr_svg(pending.config_url))  # noqa: S308
    context.update(extra)
    return render(request, "workspace/account.html", context, status=status)


render_account = _render


@never_cache
@require_GET
@staff_required
@two_factor.allowed_before_enrolment
def account(request: HttpRequest) -> HttpResponse:
    return _render(request)


def _fail(request: HttpRequest, error: DomainError, **extra: Any) -> HttpResponse:
    if isinstance(error, NotFound):
        raise Http404(error.message)
    return _render(request, status=error_status(error), error=error.message, **extra)


@require_POST
@staff_required
@two_factor.allowed_before_enrolment
def totp_start(request: HttpRequest) -> HttpResponse:
    try:
        actions.do_start_totp(user=current_user(request), now=now())
    except DomainError as error:
        return _fail(request, error)
    return HttpResponseRedirect(ACCOUNT_URL + "#two-factor")


@never_cache
@require_POST
@staff_required
@two_factor.allowed_before_enrolment
def totp_confirm(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    try:
        device = actions.do_confirm_totp(
            user=user, code=str(request.POST.get("code", "")), now=now()
        )
        codes = actions.do_make_recovery_codes(user=user, now=now())
    except DomainError as error:
        return _fail(request, error)
    # This session just proved the code, so it counts as verified from now on.
    django_otp.login(request, device)
    messages.success(
        request, gettext("Two-factor sign-in is on. You will be asked for a code at sign-in.")
    )
    # Rendered, not redirected: the recovery codes are shown exactly once.
    return _render(request, recovery_codes=codes)


@never_cache
@require_POST
@staff_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = actions.do_remake_recovery_codes(
            user=current_user(request), code=str(request.POST.get("code", "")), now=now()
        )
    except DomainError as error:
        return _fail(request, error)
    return _render(request, recovery_codes=codes)


@require_POST
@staff_required
def totp_disable(request: HttpRequest) -> HttpResponse:
    try:
        actions.do_disable_totp(
            user=current_user(request), code=str(request.POST.get("code", "")), now=now()
        )
    except DomainError as error:
        return _fail(request, error)
    messages.success(request, gettext("Two-factor sign-in is off."))
    return HttpResponseRedirect(ACCOUNT_URL + "#two-factor")


@never_cache
@require_POST
@staff_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _fail(
            request,
            DomainError(gettext("Give the token a name (up to 100 characters).")),
            token_form=form,
        )
    try:
        issued = do_create_api_token(
            user=current_user(request), name=form.cleaned_data["name"], now=now()
        )
    except DomainError as error:
        return _fail(request, error, token_form=form)
    # Rendered, not redirected: the plaintext is shown exactly once and never stored.
    return _render(request, issued=issued)


@require_POST
@staff_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = do_revoke_api_token(actor=current_user(request), token_id=check_pk(pk), now=now())
    except DomainError as error:
        return _fail(request, error)
    messages.success(request, gettext("Token “%(name)s” is revoked.") % {"name": token.name})
    return HttpResponseRedirect(ACCOUNT_URL + "#tokens")


@require_POST
@staff_required
def away(request: HttpRequest) -> HttpResponse:
    want = request.POST.get("away") == "1"
    try:
        do_set_away(user=current_user(request), away=want, now=now())
    except DomainError as error:
        return _fail(request, error)
    messages.success(request, gettext("You are marked away.") if want else gettext("Welcome back."))
    return HttpResponseRedirect(ACCOUNT_URL)


@require_POST
@staff_required
def locale(request: HttpRequest) -> HttpResponse:
    """Save the language and time zone of your pages and staff mail (ADR 0036)."""
    user = current_user(request)
    try:
        do_set_staff_locale(
            user,
            actor=user,
            language=str(request.POST.get("language", ""))[:100],
            time_zone=str(request.POST.get("time_zone", ""))[:100],
            now=now(),
        )
    except DomainError as error:
        return _render(request, status=error_status(error), locale_error=error.message)
    # The banner already speaks the language just chosen.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        messages.success(request, gettext("Your language and time zone are saved."))
    return HttpResponseRedirect(ACCOUNT_URL + "#locale")
