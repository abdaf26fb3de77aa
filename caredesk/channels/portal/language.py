"""The customer's language on the portal and help centre (docs/languages.md).

Only ``/portal/`` and ``/help/`` follow the customer; staff pages speak the staff
member's own language (``caredesk.accounts.locale``, ADR 0036). The language is, in
order: the signed-in customer's saved one, the one chosen in the switcher this session
(before signing in), the browser's Accept-Language, English.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from caredesk.core import languages
from caredesk.customers.guards import customer_of, signed_in_user

SESSION_KEY = "portal_language"
PREFIXES = ("/portal/", "/help/")


def portal_language(request: HttpRequest) -> str:
    customer = customer_of(signed_in_user(request))
    saved = languages.supported(customer.language) if customer is not None else ""
    if saved:
        return saved
    chosen = languages.supported(request.session.get(SESSION_KEY, ""))
    if chosen:
        return chosen
    browser = languages.from_accept_language(request.headers.get("Accept-Language", ""))
    return browser or str(settings.LANGUAGE_CODE)


class PortalLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIXES):
            return self.get_response(request)
        language = portal_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        vary = response.headers.get("Vary", "")
        if "accept-language" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        return response
