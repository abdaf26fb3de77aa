"""The portal's language switcher: a signed-in customer saves it on their record (every
mail follows it); before signing in it holds for the session."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caredesk.channels.portal.language import SESSION_KEY
from caredesk.core import clock, languages
from caredesk.core.errors import DomainError
from caredesk.customers.actions import do_set_customer_language
from caredesk.customers.guards import customer_of, signed_in_user


def back_to(request: HttpRequest, value: str | None) -> str:
    """A local portal or help-centre path to return to, else the portal's home."""
    value = (value or "").strip()
    if (
        value.startswith(("/portal/", "/help/"))
        and not value.startswith(("//", "/\\"))
        and len(value) <= 500
        and "\\" not in value
    ):
        return value
    return "/portal/"


@require_POST
def choose(request: HttpRequest) -> HttpResponse:
    target = back_to(request, request.POST.get("next"))
    code = languages.supported(str(request.POST.get("language", ""))[:16])
    if not code or len(str(request.POST.get("language", ""))) > 16:
        messages.error(request, _("Please choose one of the languages offered."))
        return redirect(target)
    user = signed_in_user(request)
    customer = customer_of(user)
    if customer is not None:
        try:
            do_set_customer_language(
                customer, actor=user, language=code, now=clock.now(), how="switcher"
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(target)
    request.session[SESSION_KEY] = code
    return redirect(target)
