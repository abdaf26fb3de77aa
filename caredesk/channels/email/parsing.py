"""Turning raw RFC 5322 bytes into what intake needs, with the standard library's parser.

Everything here is defensive: real mail has unknown charsets, broken headers, absurd
nesting. Unknown or mislabelled charsets decode with replacement; structural limits raise
:class:`ParseRefused` with a reason an admin can read (the message goes to quarantine).
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import html as html_lib
import mimetypes
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from caredesk.channels.email import conf
from caredesk.channels.email.headertext import one_line
from caredesk.channels.email.quoting import split_reply
from caredesk.tickets.attachments import IncomingFile

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID_LINE = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_MSGID = re.compile(r"<([^<>\s]{1,250})>")


class ParseRefused(Exception):
    """The message breaks a limit or cannot be read; ``reason`` is shown to admins."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def header_block(raw: bytes, limit: int = 256 * 1024) -> bytes:
    head = raw[:limit]
    match = _HEADER_END.search(head)
    return head[: match.start()] if match else head


def scan_message_id(raw: bytes) -> str | None:
    """The Message-ID found by a plain scan of the header block, before any parsing."""
    match = _MESSAGE_ID_LINE.search(header_block(raw))
    if not match:
        return None
    value = match.group(1).decode("ascii", "replace")
    found = _MSGID.search(value)
    return f"<{found.group(1)}>" if found else None


def synthetic_message_id(sha256: str) -> str:
    """Stable for the same bytes, so a message without Message-ID is still deduplicated."""
    return f"<{sha256[:40]}@synthetic.caredesk.invalid>"


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def message_ids(value: str) -> list[str]:
    return [f"<{m}>" for m in _MSGID.findall(value or "")][:100]


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Declared charset if it is real and fits; then UTF-8; then the declared (or cp1252)
    charset with replacement characters. Never raises."""
    name = (charset or "").strip().strip("\"'").lower() or "us-ascii"
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        codec = ""
    if codec in ("ascii",):
        codec = "utf-8"  # mislabelled 8-bit text is far more often UTF-8 than anything else
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(codec or "cp1252", errors="replace")


def decode_header_value(value: Any) -> str:
    """A header value as text, tolerating unknown charsets in encoded words."""
    text = value if isinstance(value, str) else str(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        parts = []
        try:
            for chunk, charset in decode_header(text):
                if isinstance(chunk, bytes):
                    parts.append(decode_bytes(chunk, charset))
                else:
                    parts.append(chunk)
            return "".join(parts)
        except Exception:
            return text


def raw_header(msg: Message, name: str) -> str:
    """The raw value of the first ``name`` header, decoded, without the policy's parser."""
    lname = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lname:
            text = value if isinstance(value, str) else str(value)
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            return " ".join(decode_header_value(text).split())
    return ""


def raw_headers(msg: Message, name: str) -> list[str]:
    lname = name.lower()
    return [
        " ".join(str(v).encode("utf-8", "surrogateescape").decode("utf-8", "replace").split())
        for k, v in msg.raw_items()
        if k.lower() == lname
    ]


@dataclass
class ParsedEmail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str  # strictly parsed and validated; "" when not trustworthy
    from_name: str
    from_problem: str  # why from_address is empty
    to: list[str]
    cc: list[str]
    headers: dict[str, str]
    content_type: str
    from_raw: str = ""
    text: str = ""
    html: str = ""
    new_text: str = ""
    quoted: str = ""
    signature: str = ""
    attachments: list[IncomingFile] = field(default_factory=list)
    refused_attachments: list[str] = field(default_factory=list)
    embedded_message_ids: list[str] = field(default_factory=list)
    message: Message | None = None


def _strict_address(value: str) -> tuple[str, str, str]:
    """(address, display name, problem). Exactly one valid address or a problem."""
    if not value.strip():
        return "", "", "no sender address"
    pairs = [(n, a) for n, a in getaddresses([value]) if a]
    if len(pairs) != 1:
        return "", "", "the From header names more than one address, or none"
    name, addr = pairs[0]
    addr = addr.strip().lower()
    if addr.count("@") != 1 or any(ch in addr for ch in "<>,;\"' \t\r\n\\"):
        return "", "", f"the sender address {addr[:100]!r} is malformed"
    try:
        validate_email(addr)
    except ValidationError:
        return "", "", f"the sender address {addr[:100]!r} is not valid"
    return addr, one_line(decode_header_value(name))[:200], ""


def _address_list(msg: Message, name: str) -> list[str]:
    result: list[str] = []
    for value in raw_headers(msg, name):
        for _, addr in getaddresses([decode_header_value(value)]):
            addr = addr.strip().lower()
            if addr.count("@") == 1 and addr not in result:
                try:
                    validate_email(addr)
                except ValidationError:
                    continue
                result.append(addr)
    return result[:50]


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Abort a parse that takes too long (main thread on Unix only; elsewhere a no-op)."""
    usable = seconds > 0 and threading.current_thread() is threading.main_thread()
    if not usable or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise ParseRefused(f"parsing took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def html_to_text(html: str) -> str:
    stripped = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", html), tags=set())
    text = html_lib.unescape(stripped)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _filename(part: Message) -> str:
    name = _filename_of(part)
    if "\ufffd" not in name:
        return name
    # Undeclared 8-bit bytes in the header (the parser keeps them as surrogate escapes and
    # hands them out replaced): read the parameters again from the raw header as UTF-8.
    utf8 = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            utf8[key] = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _filename_of(utf8) or name


def _filename_of(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        name = part.get_param("name", header="content-type")  # type: ignore[assignment]
        if isinstance(name, tuple):
            name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    return decode_header_value(name or "")


class _Collector:
    def __init__(self, parsed: ParsedEmail) -> None:
        self.parsed = parsed
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.parts = 0
        self.skipped = 0  # parts past the limit, not read
        self.max_depth = conf.max_mime_depth()
        self.max_parts = conf.max_mime_parts()

    def walk(self, part: Message, depth: int) -> None:
        self.parts += 1
        if depth > self.max_depth:
            raise ParseRefused(f"MIME parts are nested deeper than {self.max_depth} levels")
        if self.parts > self.max_parts:
            # Like an oversized message: what fits is filed, the sender is told the rest
            # did not reach us (the whole message stays stored as received).
            self.skipped += 1
            return
        ctype = part.get_content_type()
        if part.is_multipart():
            payload = part.get_payload()
            subparts = payload if isinstance(payload, list) else []
            if ctype == "multipart/alternative" and subparts:
                self._alternative(subparts, depth)
                return
            for sub in subparts:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if ctype == "message/rfc822" or ctype == "text/rfc822-headers":
            data = _payload_bytes(part)
            self.parsed.embedded_message_ids += message_ids(
                decode_bytes(header_block(data), "utf-8")
            )
            self._attach(filename or "forwarded-message.eml", data, "message/rfc822")
            return
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = decode_bytes(_payload_bytes(part), part.get_content_charset())
            (self.texts if ctype == "text/plain" else self.htmls).append(text)
            return
        data = _payload_bytes(part)
        if not data and not filename:
            return
        self._attach(filename or _default_name(ctype), data, ctype)

    def _alternative(self, subparts: list[Any], depth: int) -> None:
        plain = [p for p in subparts if p.get_content_type() == "text/plain"]
        html = [p for p in subparts if p.get_content_type() == "text/html"]
        others = [p for p in subparts if p not in plain and p not in html]
        if plain:
            self.walk(plain[0], depth + 1)
        if html:
            self.walk(html[-1], depth + 1)
        for sub in others:
            if sub.is_multipart():
                # multipart/related inside alternative: the HTML with its inline images.
                self.walk(sub, depth + 1)

    def _attach(self, filename: str, data: bytes, ctype: str) -> None:
        self.parsed.attachments.append(
            IncomingFile(filename=filename, content=data, content_type=ctype)
        )


def _default_name(ctype: str) -> str:
    ext = mimetypes.guess_extension(ctype) or ".bin"
    return f"part{ext}"


# Files over the count named one by one; the rest of them in one line.
SURPLUS_NAMED = 5


def _limit_attachments(parsed: ParsedEmail, max_count: int, max_bytes: int) -> None:
    kept: list[IncomingFile] = []
    surplus: list[str] = []
    for item in parsed.attachments:
        if len(item.content) > max_bytes:
            parsed.refused_attachments.append(
                f"{item.filename} ({len(item.content) / 1048576:.1f} MB; "
                f"the limit is {max_bytes / 1048576:.0f} MB per file)"
            )
        elif len(kept) >= max_count:
            surplus.append(item.filename)
        else:
            kept.append(item)
    reason = f"more than {max_count} attachments in one message"
    for filename in surplus[:SURPLUS_NAMED]:
        parsed.refused_attachments.append(f"{filename} ({reason})")
    if len(surplus) > SURPLUS_NAMED:
        parsed.refused_attachments.append(f"{len(surplus) - SURPLUS_NAMED:,} more files ({reason})")
    parsed.attachments = kept


def parse_message(raw: bytes, *, max_attachments: int, max_attachment_bytes: int) -> ParsedEmail:
    with time_limit(conf.parse_seconds()):
        try:
            # compat32: headers stay raw strings until asked for. Everything below reads
            # them through raw_header()/decode_header_value(), which tolerate what
            # policy.default's header classes would reject, at a third of the cost.
            msg = BytesParser(policy=policy.compat32).parsebytes(raw)
        except RecursionError:
            raise ParseRefused("the message structure is nested too deeply to read") from None
        from_raw = raw_header(msg, "From")
        from_address, from_name, problem = _strict_address(from_raw)
        if len(raw_headers(msg, "From")) > 1:
            from_address, from_name, problem = "", "", "the message has more than one From header"
        mid = message_ids(raw_header(msg, "Message-ID"))
        interesting = (
            "auto-submitted",
            "precedence",
            "x-auto-response-suppress",
            "x-autoreply",
            "x-autorespond",
            "list-id",
            "list-unsubscribe",
            "return-path",
            "x-loop",
        )
        headers = {name: raw_header(msg, name) for name in interesting if name in msg}
        parsed = ParsedEmail(
            message_id=mid[0] if mid else "",
            in_reply_to=message_ids(raw_header(msg, "In-Reply-To")),
            references=message_ids(" ".join(raw_headers(msg, "References"))),
            subject=one_line(raw_header(msg, "Subject"))[:1000],
            from_address=from_address,
            from_name=from_name,
            from_problem=problem,
            to=_address_list(msg, "To"),
            cc=_address_list(msg, "Cc"),
            headers=headers,
            content_type=msg.get_content_type(),
            from_raw=from_raw[:500],
            message=msg,
        )
        collector = _Collector(parsed)
        try:
            collector.walk(msg, 0)
        except RecursionError:
            raise ParseRefused("the message structure is nested too deeply to read") from None
        finish_bodies(parsed, collector.texts, collector.htmls)
        _limit_attachments(parsed, max_attachments, max_attachment_bytes)
        if collector.skipped:
            parsed.refused_attachments.append(
                f"the message has more than {collector.max_parts} MIME parts; the parts "
                f"after the first {collector.max_parts} were not read"
            )
    return parsed


def finish_bodies(parsed: ParsedEmail, texts: list[str], htmls: list[str]) -> None:
    parsed.text = "\n\n".join(t.strip() for t in texts if t.strip())
    parsed.html = "\n".join(htmls)
    if not parsed.text and parsed.html:
        parsed.text = html_to_text(parsed.html)
    parsed.new_text, parsed.quoted, parsed.signature = split_reply(parsed.text)
