"""Which language a customer-facing text speaks (docs/languages.md, docs/adr/0033).

Core names no customer model: a customer's language is read from whatever the caller
passes (``context["language"]``, ``context["customer"].language`` or
``context["ticket"].customer.language``), checked against ``settings.LANGUAGES``, and
English (``LANGUAGE_CODE``) otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings


def offered() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def supported(code: object) -> str:
    """``code`` when we offer it ("de-AT" counts as "de"), else ""."""
    if not isinstance(code, str) or not code:
        return ""
    value = code.strip().lower().replace("_", "-")[:16]
    codes = offered()
    if value in codes:
        return value
    base = value.split("-", 1)[0]
    return base if base in codes else ""


def from_accept_language(header: str) -> str:
    """The best offered language of an Accept-Language header, or "" (cheap, bounded)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:1000].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        code = supported(tag)
        if code and weight > 0:
            choices.append((-weight, position, code))
    return min(choices)[2] if choices else ""


def _customer_language(customer: object) -> str:
    return supported(getattr(customer, "language", ""))


def for_context(context: Mapping[str, object]) -> str:
    """The language a mail to a customer is written in, from its context."""
    explicit = supported(context.get("language"))
    if explicit:
        return explicit
    for holder in (context.get("customer"), getattr(context.get("ticket"), "customer", None)):
        found = _customer_language(holder)
        if found:
            return found
    return settings.LANGUAGE_CODE


def for_staff_context(context: Mapping[str, object]) -> str:
    """The language a mail to a staff member is written in: the one the caller read from
    the recipient (``context["recipient_language"]``, their ``User.language``), else the
    desk's default. The case's customer's language is never used for staff."""
    return supported(context.get("recipient_language")) or str(settings.LANGUAGE_CODE)


def first_of(codes: Sequence[object]) -> str:
    for code in codes:
        found = supported(code)
        if found:
            return found
    return settings.LANGUAGE_CODE
