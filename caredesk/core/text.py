"""Cleaning text that comes from outside: bodies, HTML, filenames."""

from __future__ import annotations

import re
import unicodedata

import nh3

from caredesk.core.errors import DomainError

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize_html(html: str) -> str:
    """Allow-list sanitising. Images are dropped: remote images are tracking beacons."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def clean_body(text: str, *, max_chars: int, field: str = "message") -> str:
    """Normalise newlines and strip control characters; refuse empty or oversized text."""
    value = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not value:
        raise DomainError(f"The {field} is empty.", code="empty")
    if len(value) > max_chars:
        raise DomainError(
            f"The {field} is too long ({len(value):,} characters; the limit is {max_chars:,}).",
            code="too_long",
        )
    return value


def clean_line(text: str, *, max_chars: int, field: str) -> str:
    value = " ".join(_CONTROL.sub("", text).split())
    if not value:
        raise DomainError(f"The {field} is empty.", code="empty")
    if len(value) > max_chars:
        raise DomainError(
            f"The {field} is too long ({len(value)} characters; the limit is {max_chars}).",
            code="too_long",
        )
    return value


def normalize_filename(name: str, default: str = "attachment") -> str:
    """A display filename with no path, no leading dot and no invisible format characters."""
    value = unicodedata.normalize("NFC", name or "")
    value = "".join(
        ch for ch in value if unicodedata.category(ch) not in {"Cf", "Cc", "Cs", "Co", "Zl", "Zp"}
    )
    value = value.replace("\\", "/").split("/")[-1]
    value = value.strip().lstrip(".").strip()
    value = re.sub(r"\s+", " ", value)
    if len(value) > 200:
        stem, dot, ext = value.rpartition(".")
        value = (stem[:190] + "." + ext[:9]) if dot and len(ext) <= 9 else value[:200]
    return value or default
