"""``{% load portal_words %}``: states in the customer's language (``portal/words.py``)."""

from __future__ import annotations

from django import template

from caredesk.channels.portal import words

register = template.Library()


@register.filter
def case_status(value: object) -> str:
    return words.case_status(value)


@register.filter
def request_status(value: object) -> str:
    return words.request_status(value)


@register.filter
def outcome(value: object) -> str:
    return words.outcome(value)
