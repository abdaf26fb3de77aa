"""What each app holds about a customer, declared in settings so this app never imports
the apps above it (the same pattern as ``CAREDESK_PURGE_JOBS``).

- ``CAREDESK_PRIVACY_CASE_TEXT``: ``{"app_label.Model": (lookup to the case, [fields])}``
  — free text on rows that belong to a case (a promise's wording, an escalation's reason);
  text fields become "[erased]" (or empty), JSON fields an empty object.
- ``CAREDESK_PRIVACY_CUSTOMER_TEXT``: the same for rows that belong to the customer.
- ``CAREDESK_PRIVACY_NO_TEXT``: models tied to cases or customers that hold no personal
  text (checked by tests/privacy/test_declarations.py, so a new model cannot be forgotten).
- ``CAREDESK_PRIVACY_PARTS``: dotted paths of modules for what needs more than blanking
  text (raw mail, call numbers). Each has ``NAME``, ``export(customer, case_ids) -> list``
  of JSON-able rows and ``erase(customer, case_ids) -> int`` rows changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any, Protocol, cast

from django.apps import apps
from django.conf import settings
from django.db.models import Model


@dataclass(frozen=True)
class TextPart:
    model: type[Model]
    lookup: str  # from the model to the case id or the customer id
    fields: tuple[str, ...]


class Part(Protocol):
    NAME: str

    def export(self, customer: Any, case_ids: Sequence[int]) -> list[dict[str, Any]]: ...

    def erase(self, customer: Any, case_ids: Sequence[int]) -> int: ...


def _text_parts(setting: str) -> Iterator[TextPart]:
    declared: dict[str, tuple[str, Sequence[str]]] = getattr(settings, setting, {})
    for label, (lookup, fields) in declared.items():
        yield TextPart(apps.get_model(label), lookup, tuple(fields))


def case_text_parts() -> list[TextPart]:
    return list(_text_parts("CAREDESK_PRIVACY_CASE_TEXT"))


def customer_text_parts() -> list[TextPart]:
    return list(_text_parts("CAREDESK_PRIVACY_CUSTOMER_TEXT"))


def module_parts() -> list[Part]:
    modules: list[ModuleType] = [import_module(p) for p in settings.CAREDESK_PRIVACY_PARTS]
    return [cast(Part, m) for m in modules]
