"""An article's body: restricted Markdown, rendered to HTML that is safe to show (ADR 30).

Authors write Markdown (CommonMark with tables and strike-through). Raw HTML in the
text is not HTML: markdown-it-py runs with ``html`` off, so ``<script>`` shows as text.
Links reach the page only with http(s), mailto or a relative address (markdown-it-py
refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:``), and the result goes
through the same allow-list sanitiser as inbound mail (``caredesk.core.text``): no
images, no attributes beyond a link's address and title. Never raw HTML from authors.
"""

from __future__ import annotations

import re

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from caredesk.core.errors import InvalidInput
from caredesk.core.text import sanitize_html

MAX_TITLE = 200
MAX_BODY = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def clean_body(text: str) -> str:
    """Newlines normalised, control characters dropped; oversized text refused with the
    size and the limit (nothing is cut)."""
    value = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(value) > MAX_BODY:
        raise InvalidInput(
            f"The article text is too long ({len(value):,} characters; the limit is "
            f"{MAX_BODY:,}). Split it into two articles.",
            field="body",
            code="too_long",
        )
    return value


def render(body: str) -> SafeString:
    """The body as sanitised HTML."""
    html = _md.render(body or "")
    return mark_safe(sanitize_html(html))  # noqa: S308 - allow-list sanitised just above


def plain(body: str) -> str:
    """The body without Markdown punctuation, for snippets (escaped by the template)."""
    text = re.sub(r"[#*_`>|~\[\]]", " ", body or "")
    text = re.sub(r"\((?:https?:|mailto:|/)[^)\s]*\)", " ", text)
    return " ".join(text.split())


def excerpt(body: str, length: int = 180) -> str:
    text = plain(body)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
