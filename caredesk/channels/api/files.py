"""Attachments sent as JSON: ``{filename, content_type, content_base64}``."""

from __future__ import annotations

import base64
import binascii

from caredesk.channels.api.errors import ApiError
from caredesk.channels.api.schemas import AttachmentIn
from caredesk.tickets.attachments import IncomingFile, check_files


def decode_files(items: list[AttachmentIn]) -> list[IncomingFile]:
    """Decode and check against the attachment limits (count and size per file)."""
    files = []
    for index, item in enumerate(items):
        try:
            content = base64.b64decode("".join(item.content_base64.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                422,
                f"attachments[{index}].content_base64 is not valid base64.",
                code="invalid_base64",
                details={"field": f"attachments.{index}.content_base64"},
            ) from None
        files.append(
            IncomingFile(filename=item.filename, content=content, content_type=item.content_type)
        )
    return check_files(files)
