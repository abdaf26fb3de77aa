"""Validating and storing attachments that arrive through any channel."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile

from caredesk.core.errors import DomainError
from caredesk.core.text import normalize_filename
from caredesk.tickets.models import Attachment, Message


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content: bytes
    content_type: str = ""


def check_files(files: list[IncomingFile]) -> list[IncomingFile]:
    """Refuse too many or too large files with a message that names the limit."""
    limit = settings.CAREDESK_MAX_ATTACHMENTS
    if len(files) > limit:
        raise DomainError(
            f"Too many attachments ({len(files)}); at most {limit} per message.",
            code="too_many_attachments",
        )
    max_bytes = settings.CAREDESK_MAX_ATTACHMENT_BYTES
    for item in files:
        if len(item.content) > max_bytes:
            raise DomainError(
                f"“{normalize_filename(item.filename)}” is {len(item.content) / 1048576:.1f} MB; "
                f"the limit is {max_bytes / 1048576:.0f} MB per file.",
                code="attachment_too_large",
            )
    return files


def store_files(message: Message, files: list[IncomingFile]) -> list[Attachment]:
    return store_files_many([(message, files)])


def store_files_many(items: list[tuple[Message, list[IncomingFile]]]) -> list[Attachment]:
    """Write the files of several messages to storage and their rows in one insert."""
    stored = []
    for message, files in items:
        for item in files:
            filename = normalize_filename(item.filename)
            content_type = (item.content_type or "").split(";")[0].strip().lower()
            if not content_type or "/" not in content_type or len(content_type) > 100:
                content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            attachment = Attachment(
                message=message,
                filename=filename,
                content_type=content_type,
                size=len(item.content),
                sha256=hashlib.sha256(item.content).hexdigest(),
                created_at=message.created_at,
            )
            attachment.file.save(filename, ContentFile(item.content), save=False)
            stored.append(attachment)
    if stored:
        Attachment.objects.bulk_create(stored)
    return stored
