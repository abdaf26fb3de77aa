"""Uploaded files → :class:`IncomingFile`, refusing too many or too large before reading."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from caredesk.core.errors import DomainError
from caredesk.core.text import normalize_filename
from caredesk.tickets.attachments import IncomingFile, check_files


def incoming_files(uploads: list[UploadedFile]) -> list[IncomingFile]:
    limit = settings.CAREDESK_MAX_ATTACHMENTS
    uploads = [u for u in uploads if u.name or u.size]
    if len(uploads) > limit:
        raise DomainError(
            gettext("Too many attachments (%(count)s); at most %(limit)s per message.")
            % {"count": len(uploads), "limit": limit},
            code="too_many_attachments",
        )
    max_bytes = settings.CAREDESK_MAX_ATTACHMENT_BYTES
    files: list[IncomingFile] = []
    for upload in uploads:
        name = normalize_filename(upload.name or "")
        if (upload.size or 0) > max_bytes:
            raise DomainError(
                gettext("“%(name)s” is %(size)s MB; the limit is %(limit)s MB per file.")
                % {
                    "name": name,
                    "size": f"{(upload.size or 0) / 1048576:.1f}",
                    "limit": f"{max_bytes / 1048576:.0f}",
                },
                code="attachment_too_large",
            )
        files.append(IncomingFile(name, upload.read(), upload.content_type or ""))
    return check_files(files)
