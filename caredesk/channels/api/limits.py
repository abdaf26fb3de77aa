"""Request body limits of the API, derived from the documented attachment limits.

The site-wide ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2 MB) protects the HTML forms. API bodies
carry attachments as base64 JSON, so the API reads bodies up to one full-size attachment
in base64 plus room for the rest of the request: with the default 10 MB attachment limit
that is 13.4 MB of base64 and a 15.4 MB body. Above it the answer is a 413 in the API's
error format, before the body is read.
"""

from __future__ import annotations

from django.conf import settings

# Room for the JSON around the attachments (subject, body up to CAREDESK_MAX_BODY_CHARS).
BODY_OVERHEAD_BYTES = 2 * 1024 * 1024


def base64_length(size: int) -> int:
    """Characters of base64 for ``size`` bytes (with padding)."""
    return 4 * ((size + 2) // 3)


def max_attachment_bytes() -> int:
    return int(settings.CAREDESK_MAX_ATTACHMENT_BYTES)


def max_base64_chars() -> int:
    return base64_length(max_attachment_bytes())


def max_body_bytes() -> int:
    """The largest API request body: one full-size attachment in base64, plus overhead."""
    configured = getattr(settings, "CAREDESK_API_MAX_BODY_BYTES", None)
    if configured:
        return int(configured)
    return max_base64_chars() + BODY_OVERHEAD_BYTES
