"""The staff form for a record by hand. Lines are typed one per line:
``product; category; quantity; price; delivered (YYYY-MM-DD)`` — the same checks as the
API and the CSV import apply (:mod:`caredesk.records.validation`)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.core.errors import DomainError
from caredesk.records.models import Record
from caredesk.records.validation import record_kinds

MAX_FORM_LINES = 200


class RecordForm(forms.Form):
    kind = forms.ChoiceField(choices=[])
    external_id = forms.CharField(label=_("External id (order number…)"), max_length=100)
    title = forms.CharField(max_length=200, required=False)
    status = forms.CharField(max_length=40, required=False)
    amount = forms.CharField(max_length=20, required=False)
    currency = forms.CharField(max_length=3, required=False)
    starts_at = forms.CharField(label=_("Starts (YYYY-MM-DD)"), max_length=40, required=False)
    ends_at = forms.CharField(label=_("Ends (YYYY-MM-DD)"), max_length=40, required=False)
    delivered_at = forms.CharField(label=_("Delivered (YYYY-MM-DD)"), max_length=40, required=False)
    renews_at = forms.CharField(label=_("Renews (YYYY-MM-DD)"), max_length=40, required=False)
    attributes = forms.CharField(
        label=_("Attributes (JSON object)"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lines = forms.CharField(
        label=_("Lines: product; category; quantity; price; delivered (one per line)"),
        max_length=40_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k, k.capitalize()) for k in record_kinds()]

    def as_record(self, owner: dict[str, Any]) -> dict[str, Any]:
        """The form's values in the shape the record checks take (raises DomainError)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "lines"}
        data["lines"] = parse_lines(self.cleaned_data.get("lines") or "")
        return {**data, **owner}


def parse_lines(text: str) -> list[dict[str, Any]]:
    rows = [row for row in text.replace("\r", "").split("\n") if row.strip()]
    if len(rows) > MAX_FORM_LINES:
        raise DomainError(f"At most {MAX_FORM_LINES} lines.", code="invalid_record")
    lines = []
    for number, row in enumerate(rows, start=1):
        parts = [p.strip() for p in row.split(";")]
        if len(parts) > 5:
            raise DomainError(
                f"Line {number} has more than five parts; use product; category; quantity; "
                "price; delivered.",
                code="invalid_record",
            )
        parts += [""] * (5 - len(parts))
        product, category, quantity, price, delivered = parts
        lines.append(
            {
                "product": product,
                "category": category,
                "quantity": quantity or 1,
                "price": price or None,
                "delivered_at": delivered or None,
            }
        )
    return lines


def initial_for(record: Record) -> dict[str, Any]:
    def day(value: Any) -> str:
        return value.date().isoformat() if value else ""

    return {
        "kind": record.kind,
        "external_id": record.external_id,
        "title": record.title,
        "status": record.status,
        "amount": "" if record.amount is None else str(record.amount),
        "currency": record.currency,
        "starts_at": day(record.starts_at),
        "ends_at": day(record.ends_at),
        "delivered_at": day(record.delivered_at),
        "renews_at": day(record.renews_at),
        "attributes": "" if not record.attributes else json.dumps(record.attributes),
        "lines": "\n".join(
            "; ".join(
                [
                    line.product,
                    line.category,
                    str(line.quantity),
                    "" if line.price is None else str(line.price),
                    day(line.delivered_at),
                ]
            )
            for line in record.lines.all()
        ),
    }


class LinkForm(forms.Form):
    record = forms.IntegerField(min_value=1)
    line = forms.IntegerField(min_value=1, required=False)
