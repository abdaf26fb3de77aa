"""Placeholders in a macro's reply text: which names exist, checking a body, rendering it.

A body is a Django template with ``autoescape`` off (replies are plain text), parsed by an
engine that loads no tag libraries, and accepted only if it is text and bare placeholders
from the whitelist (``{{ customer.first_name }}``): no template tags, no filters, no
literals. Rendering uses a context of plain strings built here — never a model instance —
so even a body that slipped past the check cannot reach an attribute of anything.

Extension point: apps (policies, for one) add placeholders without this app importing
them. ``settings.CAREDESK_MACRO_PLACEHOLDER_SOURCES`` lists dotted paths to objects with

* ``names() -> Iterable[str]``: the placeholders they provide (``"policy.returns"``…);
* ``values(ticket, now) -> Mapping[str, str]``: their text for one case (missing → "").

The built-in namespaces (``customer``, ``case``, ``agent``, ``promise``) are reserved, and
the ``offer`` namespace is refused: offers are never put in front of a customer whose case
is unresolved (P4), so no macro can carry one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, Variable, VariableNode
from django.utils.module_loading import import_string

from caredesk.accounts.models import User
from caredesk.core.errors import DomainError
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets.models import Ticket

MAX_BODY = 20_000
NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}\.[a-z][a-z0-9_]{0,60}$")
RESERVED = ("customer", "case", "agent", "promise", "offer")
FORBIDDEN = "offer"

# The built-in placeholders, with what each one says (shown on the macro form and in docs).
BUILT_IN: dict[str, str] = {
    "customer.name": 'The customer\'s full name ("there" when we do not know it)',
    "customer.first_name": 'The customer\'s first name ("there" when we do not know it)',
    "case.reference": "The case reference, e.g. CD-1042",
    "case.subject": "The case subject",
    "agent.name": "Your name (the agent applying the macro)",
    "agent.first_name": "Your first name",
    "promise.due": "When the macro's promise is due, in words (else the case's next promise)",
}
NAME_FALLBACK = "there"
NO_PROMISE = "as soon as we can"

_ENGINE = Engine(autoescape=False, libraries={}, string_if_invalid="")


class PlaceholderSource(Protocol):
    def names(self) -> Iterable[str]: ...

    def values(self, ticket: Ticket, now: datetime) -> Mapping[str, str]: ...


@cache
def _sources(paths: tuple[str, ...]) -> tuple[PlaceholderSource, ...]:
    found = []
    for path in paths:
        source = import_string(path)
        for name in source.names():
            if not NAME.match(name) or name.split(".", 1)[0] in RESERVED:
                raise ImproperlyConfigured(
                    f"{path} offers the macro placeholder {name!r}: names look like "
                    f"'policy.returns' and may not use the namespaces {', '.join(RESERVED)}."
                )
        found.append(source)
    return tuple(found)


def sources() -> tuple[PlaceholderSource, ...]:
    return _sources(tuple(getattr(settings, "CAREDESK_MACRO_PLACEHOLDER_SOURCES", ())))


def known_names() -> dict[str, str]:
    """Every placeholder a body may use, with its description."""
    names = dict(BUILT_IN)
    for source in sources():
        for name in source.names():
            names.setdefault(name, "Provided by an installed app")
    return names


BROKEN = (
    "The reply text has a broken placeholder: write each one whole, with two braces on "
    "each side, like {{ customer.first_name }}."
)
TAGS_REFUSED = (
    "Template tags ({% … %}) are not allowed in macros; use placeholders like "
    "{{ customer.first_name }}."
)


def _parse(body: str) -> Template:
    if "{%" in body:
        raise DomainError(TAGS_REFUSED, code="template_tag")
    try:
        return _ENGINE.from_string(body)
    except TemplateSyntaxError:
        raise DomainError(BROKEN, code="invalid_placeholder") from None


def _refuse(what: str, code: str = "invalid_placeholder") -> DomainError:
    return DomainError(what, code=code)


def placeholders_in(body: str) -> list[str]:
    """The placeholder names a body uses, in order; a clear error for anything else."""
    names = known_names()
    used: list[str] = []
    for node in _parse(body).nodelist:
        if isinstance(node, TextNode):
            if "{{" in node.s or "}}" in node.s:
                raise _refuse(BROKEN)
            continue
        if not isinstance(node, VariableNode):
            raise _refuse(TAGS_REFUSED, code="template_tag")
        expression = node.filter_expression
        raw = expression.token.strip()
        if expression.filters:
            raise _refuse(f"Filters are not allowed in placeholders: {{{{ {raw} }}}}.")
        var = expression.var
        if not isinstance(var, Variable) or var.literal is not None:
            raise _refuse(f"{{{{ {raw} }}}} is not a placeholder.")
        name = str(var.var)
        if name.split(".", 1)[0] == FORBIDDEN:
            raise _refuse(
                f"Unknown placeholder {{{{ {name} }}}}: offers are never put in macros "
                "(they unlock only after a case is resolved and the customer is content)."
            )
        if name not in names:
            choices = ", ".join(sorted(names))
            raise _refuse(f"Unknown placeholder {{{{ {name} }}}}; you can use: {choices}.")
        if name not in used:
            used.append(name)
    return used


def check_body(body: str) -> str:
    """A body as stored: newlines normalised, within the limit, placeholders known."""
    value = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in value:
        raise DomainError("The reply text contains a NUL character.", code="invalid_text")
    if len(value) > MAX_BODY:
        raise DomainError(
            f"The reply text is too long ({len(value):,} characters; the limit is {MAX_BODY:,}).",
            code="too_long",
        )
    placeholders_in(value)
    return value


def _first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""


def _person_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    # Customers opened from an address alone carry it as their name: not a greeting.
    return "" if not name or "@" in name else name


def values(
    ticket: Ticket, agent: User, now: datetime, *, promise_due: datetime | None = None
) -> dict[str, dict[str, str]]:
    """The rendering context for one case: nested dicts of plain strings only."""
    customer = _person_name(ticket.customer.name if ticket.customer_id else "")
    agent_name = agent.display_name
    due = promise_due or ticket.next_promise_due_at
    flat: dict[str, str] = {
        "customer.name": customer or NAME_FALLBACK,
        "customer.first_name": _first_name(customer) or NAME_FALLBACK,
        "case.reference": ticket.reference,
        "case.subject": ticket.subject,
        "agent.name": agent_name,
        "agent.first_name": _first_name(agent_name) or agent_name,
        "promise.due": when_words(due, desk_zone(ticket.team)) if due else NO_PROMISE,
    }
    for source in sources():
        provided = source.values(ticket, now)
        for name in source.names():
            flat.setdefault(name, str(provided.get(name, "")))
    nested: dict[str, dict[str, str]] = {}
    for name, text in flat.items():
        space, key = name.split(".", 1)
        nested.setdefault(space, {})[key] = text
    return nested


def render(body: str, context: Mapping[str, Any]) -> str:
    """Render a checked body with a context from :func:`values`."""
    placeholders_in(body)
    return _parse(body).render(Context(dict(context), autoescape=False)).strip()
