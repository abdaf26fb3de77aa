"""Uploaded files → :class:`IncomingFile`, refusing too many or too large before reading."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from caredesk.core.errors import DomainError
from caredesk.core.text import normalize_filename
from caredesk.tickets.attachments import IncomingFile, check_files


def incoming_files(uploads: list[UploadedFile]) -> list[IncomingFile]:
    limit = settings.CAREDESK_MAX_ATTACHMENTS
    uploads = [u for u in uploads if u.name or u.size]
    if len(uploads) > limit:
        raise DomainError(
            f"Too many attachments ({len(uploads)}); at most {limit} per message.",
            code="too_many_attachments",
        )
    max_bytes = settings.CAREDESK_MAX_ATTACHMENT_BYTES
    files: list[IncomingFile] = []
    for upload in uploads:
        name = normalize_filename(upload.name or "")
        if (upload.size or 0) > max_bytes:
            raise DomainError(
                f"“{name}” is {(upload.size or 0) / 1048576:.1f} MB; "
                f"the limit is {max_bytes / 1048576:.0f} MB per file.",
                code="attachment_too_large",
            )
        files.append(IncomingFile(name, upload.read(), upload.content_type or ""))
    return check_files(files)
