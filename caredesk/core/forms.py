"""Helpers for Django forms shared by the staff pages."""

from __future__ import annotations

from django import forms


def first_error(form: forms.BaseForm) -> str:
    """The form's first error with its field's label, for the banner above a refused form
    (the field keeps its own message too)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label or field.replace('_', ' ').capitalize()}: {errors[0]}"
    return "Please check the form."
