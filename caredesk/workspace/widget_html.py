"""Select boxes and text inputs drawn in Python, byte for byte as Django's templates draw them.

The inbox filter bar has six widgets on every page load; through the template engine
(``select.html`` including ``select_option.html`` and ``attrs.html`` once per option) they
cost a couple of milliseconds, about a tenth of the page. ``FastWidgetRenderer`` builds
those two templates' output directly and leaves every other template to Django.
``tests/workspace/test_inbox.py`` compares its output with Django's own renderer.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

SELECT_TEMPLATE = "django/forms/widgets/select.html"
TEXT_TEMPLATE = "django/forms/widgets/text.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value: Any) -> str:
    """``{{ value }}``: localized, then escaped unless marked safe (``render_value_in_context``)."""
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    if isinstance(value, SafeData):
        return str(value)
    return escape(str(value))


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` (the filter keeps a safe string safe)."""
    shown = str(value) if isinstance(value, tuple) else value
    try:
        text = "%s" % shown  # noqa: UP031 — exactly what the filter runs
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _select(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/select.html`` (options from ``select_option.html``)."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/input.html``, which ``text.html`` includes."""
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


class FastWidgetRenderer(DjangoTemplates):
    """Django's form renderer with the select and text-input templates done in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if widget is not None:
            if template_name == SELECT_TEMPLATE and _plain_options(widget):
                return _select(widget)
            if template_name == TEXT_TEMPLATE:
                return _input(widget)
        return str(super().render(template_name, context, request))


def _plain_options(widget: Mapping[str, Any]) -> bool:
    """Every option uses Django's own option template (a subclass may name another)."""
    return all(
        option["template_name"] == OPTION_TEMPLATE
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


fast_widgets = FastWidgetRenderer()
