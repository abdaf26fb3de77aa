"""Checking a record that comes from outside (API, CSV, the staff form) before any write.

Everything arrives as plain values (a JSON object, a CSV row turned into a dict); the
result is a :class:`RecordInput` with typed values, or a :class:`DomainError` that names
the field (``details={"field": ...}``) and says what is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from caredesk.core.errors import DomainError
from caredesk.core.text import clean_line

MAX_LINES = 200
MAX_ATTRIBUTE_KEYS = 50
MAX_AMOUNT = Decimal("9999999999.99")
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,99}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
DATE_FIELDS = ("starts_at", "ends_at", "delivered_at", "renews_at")
RECORD_FIELDS = frozenset(
    {
        "kind",
        "external_id",
        "customer_id",
        "customer_email",
        "organization_id",
        "title",
        "status",
        "amount",
        "currency",
        "attributes",
        "lines",
        *DATE_FIELDS,
    }
)
LINE_FIELDS = frozenset({"product", "category", "quantity", "price", "delivered_at", "attributes"})


def invalid(field_name: str, message: str, code: str = "invalid_record") -> DomainError:
    return DomainError(message, code=code, details={"field": field_name})


@dataclass(frozen=True)
class LineInput:
    product: str
    category: str = ""
    quantity: int = 1
    price: Decimal | None = None
    delivered_at: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordInput:
    """A checked record. ``lines`` None: keep the stored lines; a list replaces them."""

    kind: str
    external_id: str
    customer_id: int | None = None
    customer_email: str = ""
    organization_id: int | None = None
    title: str = ""
    status: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    delivered_at: datetime | None = None
    renews_at: datetime | None = None
    amount: Decimal | None = None
    currency: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    lines: tuple[LineInput, ...] | None = None


def record_kinds() -> list[str]:
    return [str(k) for k in settings.CAREDESK_RECORD_KINDS]


def clean_kind(value: Any) -> str:
    kinds = record_kinds()
    if not isinstance(value, str) or value.strip().lower() not in kinds:
        shown = str(value)[:40] if value is not None else "nothing"
        raise invalid(
            "kind",
            f"Unknown record kind “{shown}”; use one of: {', '.join(kinds)}.",
            code="unknown_kind",
        )
    return value.strip().lower()


def clean_external_id(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not EXTERNAL_ID.match(text):
        raise invalid(
            "external_id",
            "The external id must be 1-100 letters, digits or . _ : / # - (starting with a "
            "letter or digit).",
        )
    return text


def clean_text(value: Any, name: str, max_chars: int) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise invalid(name, f"The {name} must be text.")
    try:
        return clean_line(value, max_chars=max_chars, field=name)
    except DomainError as error:
        if error.code == "empty":
            return ""
        raise invalid(name, error.message) from None


def clean_datetime(value: Any, name: str) -> datetime | None:
    """ISO 8601 with a time zone ("2026-11-14T09:00:00+01:00"), or a date (midnight in
    the desk's ``TIME_ZONE``)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise invalid(name, f"The {name} must be an ISO 8601 date or date-time.")
    text = value.strip()
    try:
        if len(text) == 10:
            day = parse_date(text)
            if day is None:
                raise ValueError
            return datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())
        parsed = parse_datetime(text)
        if parsed is None:
            raise ValueError
    except ValueError:
        raise invalid(
            name, f"The {name} “{text[:40]}” is not a valid ISO 8601 date or date-time."
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise invalid(name, f"The {name} needs a time zone, e.g. 2026-11-14T09:00:00+01:00.")
    return parsed


def clean_money(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(name, f"The {name} must be a number such as 25 or 25.50.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(name, f"The {name} must be a number such as 25 or 25.50.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise invalid(name, f"The {name} must be between 0 and {MAX_AMOUNT:,}.")
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise invalid(name, f"The {name} can have at most two decimals.")
    return amount.quantize(Decimal("0.01"))


def clean_attributes(value: Any, name: str = "attributes") -> dict[str, Any]:
    """A JSON object of at most ``CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES`` serialised, with
    keys a rule can name (letters, digits, underscores)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        if len(value) > 4 * settings.CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES:
            raise _too_large(name, len(value))
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            raise invalid(name, f"The {name} are not valid JSON.") from None
    if not isinstance(value, dict):
        raise invalid(name, f'The {name} must be a JSON object, e.g. {{"condition": "opened"}}.')
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode())
    except (TypeError, ValueError, RecursionError):
        raise invalid(name, f"The {name} must be plain JSON values.") from None
    if size > settings.CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES:
        raise _too_large(name, size)
    if len(value) > MAX_ATTRIBUTE_KEYS:
        raise invalid(name, f"The {name} have {len(value)} keys; at most {MAX_ATTRIBUTE_KEYS}.")
    for key in value:
        if not ATTRIBUTE_KEY.match(key):
            raise invalid(
                name,
                f"The attribute name “{key[:40]}” must be letters, digits and underscores "
                "(1-64, not starting with a digit).",
            )
    return value


def _too_large(name: str, size: int) -> DomainError:
    limit = settings.CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES
    return DomainError(
        f"The {name} are too large ({size:,} bytes; at most {limit:,}).",
        code="attributes_too_large",
        details={"field": name},
    )


def _unknown(data: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(str(k)[:40] for k in data if k not in allowed)
    if extra:
        raise invalid(extra[0], f"Unknown {where} field “{extra[0]}”.", code="unknown_field")


def clean_line_input(data: Any, index: int) -> LineInput:
    where = f"lines[{index}]"
    if not isinstance(data, dict):
        raise invalid(where, f"Line {index + 1} must be an object.")
    _unknown(data, LINE_FIELDS, "line")
    product = clean_text(data.get("product"), f"{where}.product", 200)
    if not product:
        raise invalid(f"{where}.product", f"Line {index + 1} needs a product.")
    quantity = data.get("quantity", 1)
    if isinstance(quantity, str) and quantity.strip().isdigit():
        quantity = int(quantity.strip())
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= 100_000:
        raise invalid(f"{where}.quantity", "The quantity must be a whole number from 1 to 100000.")
    return LineInput(
        product=product,
        category=clean_text(data.get("category"), f"{where}.category", 100).lower(),
        quantity=quantity,
        price=clean_money(data.get("price"), f"{where}.price"),
        delivered_at=clean_datetime(data.get("delivered_at"), f"{where}.delivered_at"),
        attributes=clean_attributes(data.get("attributes"), f"{where}.attributes"),
    )


def clean_record(data: Any) -> RecordInput:
    """Check one record; raises :class:`DomainError` naming the first wrong field."""
    if not isinstance(data, dict):
        raise invalid("record", "A record must be a JSON object.")
    _unknown(data, RECORD_FIELDS, "record")
    customer_id = data.get("customer_id")
    organization_id = data.get("organization_id")
    email = data.get("customer_email") or ""
    for name, value in (("customer_id", customer_id), ("organization_id", organization_id)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise invalid(name, f"The {name} must be a positive whole number.")
    if not isinstance(email, str) or len(email) > 254:
        raise invalid("customer_email", "The customer email must be an address.")
    owners = sum(1 for v in (customer_id, organization_id, email.strip()) if v)
    if owners != 1:
        raise invalid(
            "customer_id",
            "Give exactly one owner: customer_id, customer_email or organization_id.",
            code="owner_required",
        )
    raw_lines = data.get("lines")
    lines: tuple[LineInput, ...] | None = None
    if raw_lines is not None:
        if not isinstance(raw_lines, list):
            raise invalid("lines", "The lines must be a list.")
        if len(raw_lines) > MAX_LINES:
            raise invalid("lines", f"A record has at most {MAX_LINES} lines.")
        lines = tuple(clean_line_input(line, i) for i, line in enumerate(raw_lines))
    currency = clean_text(data.get("currency"), "currency", 10).upper()
    if currency and not CURRENCY.match(currency):
        raise invalid("currency", "The currency must be a three-letter code such as EUR.")
    dates = {name: clean_datetime(data.get(name), name) for name in DATE_FIELDS}
    return RecordInput(
        kind=clean_kind(data.get("kind")),
        external_id=clean_external_id(data.get("external_id")),
        customer_id=customer_id,
        customer_email=email.strip().lower(),
        organization_id=organization_id,
        title=clean_text(data.get("title"), "title", 200),
        status=clean_text(data.get("status"), "status", 40).lower(),
        amount=clean_money(data.get("amount"), "amount"),
        currency=currency,
        attributes=clean_attributes(data.get("attributes")),
        lines=lines,
        **dates,
    )
