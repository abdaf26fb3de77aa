"""What a request type and a customer's request may be: every field checked before a
write, so a refusal names the field and nothing is half-written."""

from __future__ import annotations

from typing import Any

from caredesk.core.errors import DomainError, InvalidInput
from caredesk.core.text import clean_body, clean_line
from caredesk.records.validation import record_kinds
from caredesk.selfservice.models import (
    FIELD_LABELS,
    MAX_CONFIRMATION,
    MAX_FIELD,
    MAX_NAME,
    MAX_NOTE,
    MAX_OUTCOME_HOURS,
    Kind,
    RequestType,
)


def type_errors(rt: RequestType) -> dict[str, str]:
    """Field → what is wrong, for a request type about to be saved."""
    errors: dict[str, str] = {}
    name = " ".join(str(rt.name or "").split())
    if not name:
        errors["name"] = "Name the request as the customer reads it."
    elif len(name) > MAX_NAME:
        errors["name"] = f"The name is at most {MAX_NAME} characters."
    if rt.kind not in Kind.values:
        errors["kind"] = f"Unknown kind {str(rt.kind)[:40]!r}; use {', '.join(Kind.values)}."
    kinds = rt.record_kinds
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        errors["record_kinds"] = 'A JSON list of record kinds, e.g. ["subscription"].'
    else:
        unknown = [k for k in kinds if k not in record_kinds()]
        if unknown:
            errors["record_kinds"] = (
                f"Unknown record kind {unknown[0][:40]!r}; use {', '.join(record_kinds())}."
            )
        elif len(set(kinds)) != len(kinds):
            errors["record_kinds"] = "A record kind is listed twice."
        elif not kinds and rt.kind != Kind.UPDATE_CONTACT:
            errors["record_kinds"] = "Say which record kinds the customer picks from."
        elif rt.kind == Kind.RETURN_LINE and "order" not in kinds:
            errors["record_kinds"] = "A return is of an order line: include order."
    text = str(rt.confirmation_text or "").strip()
    if not text:
        errors["confirmation_text"] = "Tell the customer what happens next."
    elif len(text) > MAX_CONFIRMATION:
        errors["confirmation_text"] = f"At most {MAX_CONFIRMATION:,} characters."
    if not isinstance(rt.outcome_hours, int) or not 1 <= rt.outcome_hours <= MAX_OUTCOME_HOURS:
        errors["outcome_hours"] = f"Between 1 and {MAX_OUTCOME_HOURS} hours."
    if rt.offer_retention and rt.kind != Kind.CANCEL_SUBSCRIPTION:
        errors["offer_retention"] = "A retention offer is shown only on a cancellation."
    return errors


def clean_details(rt: RequestType, details: Any) -> dict[str, str]:
    """The customer's fields for this kind (and an optional note), cleaned. Unknown,
    missing, non-text or oversized fields are refused with the field named."""
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise InvalidInput("The details are an object of texts.", field="details")
    allowed = {**rt.fields, "note": False}
    for key in details:
        if key not in allowed:
            raise InvalidInput(
                f"{str(key)[:40]!r} is not asked for this request; "
                f"use {', '.join(sorted(allowed))}.",
                field=f"details.{str(key)[:40]}",
                code="unknown_field",
            )
    cleaned: dict[str, str] = {}
    for key, required in allowed.items():
        raw = details.get(key, "")
        if not isinstance(raw, str):
            raise InvalidInput(f"{key} must be text.", field=f"details.{key}")
        if not raw.strip():
            if required:
                label = FIELD_LABELS.get(key, key)
                raise InvalidInput(f"{label} is required.", field=f"details.{key}", code="empty")
            continue
        try:
            if key == "note":
                cleaned[key] = clean_body(raw, max_chars=MAX_NOTE, field="note")
            else:
                cleaned[key] = clean_line(raw, max_chars=MAX_FIELD, field=FIELD_LABELS[key])
        except DomainError as error:
            raise InvalidInput(error.message, field=f"details.{key}", code=error.code) from None
    if rt.kind == Kind.UPDATE_CONTACT and not (cleaned.get("phone") or cleaned.get("address")):
        raise InvalidInput(
            "Give the new phone number or postal address.", field="details.phone", code="empty"
        )
    return cleaned
