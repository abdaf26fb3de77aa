"""How time spent reads: ``minutes_words`` (95 → "1 h 35 min")."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def minutes_words(value: object) -> str:
    try:
        minutes = int(str(value))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(minutes, 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
