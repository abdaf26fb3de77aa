"""Reading inbound mail safely before it is stored: bounded streams, the raw-first record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from caredesk.channels.email import conf
from caredesk.channels.email.parsing import header_block

CHUNK = 1024 * 1024
STUB_HEADER_LIMIT = 64 * 1024


@dataclass(frozen=True)
class RawInput:
    """What gets stored: the bytes (or, over the size limit, only the headers)."""

    data: bytes
    sha256: str
    size: int
    truncated: bool


def from_bytes(raw: bytes, *, max_bytes: int | None = None) -> RawInput:
    limit = conf.max_raw_bytes() if max_bytes is None else max_bytes
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) <= limit:
        return RawInput(raw, digest, len(raw), False)
    return RawInput(header_block(raw, STUB_HEADER_LIMIT), digest, len(raw), True)


def from_stream(stream: BinaryIO, *, max_bytes: int | None = None) -> RawInput:
    """Read a message of any size with bounded memory: past the limit only the headers
    are kept, while the checksum still covers every byte."""
    limit = conf.max_raw_bytes() if max_bytes is None else max_bytes
    digest = hashlib.sha256()
    kept = bytearray()
    size = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if len(kept) <= limit:
            kept += chunk[: limit + 1 - len(kept)]
    if size <= limit:
        return RawInput(bytes(kept), digest.hexdigest(), size, False)
    return RawInput(header_block(bytes(kept), STUB_HEADER_LIMIT), digest.hexdigest(), size, True)


def header_stub(headers: bytes, size: int) -> RawInput:
    """An IMAP message over the limit: only its header section was fetched."""
    data = header_block(headers, STUB_HEADER_LIMIT)
    return RawInput(data, hashlib.sha256(data).hexdigest(), size, True)
