"""One HTTP POST to an endpoint, with the address checked and pinned.

The host is resolved here, every address it resolves to is checked against the private
address rules (a name that pointed at a public address when the endpoint was saved may
point at 127.0.0.1 now: DNS rebinding), and the connection goes to the checked address,
so no second look-up can change it. TLS still verifies the certificate for the host name.
Redirects are never followed; short timeouts bound every attempt.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from caredesk.channels.webhooks import validation
from caredesk.core.errors import DomainError

MAX_EXCERPT = 1024
USER_AGENT = "caredesk-webhooks/1"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Outcome:
    """What happened to one attempt. ``error`` is empty only for a 2xx answer."""

    status: int | None
    latency_ms: int | None
    excerpt: str
    error: str

    @property
    def ok(self) -> bool:
        return not self.error


def sanitise(raw: bytes, limit: int = MAX_EXCERPT) -> str:
    """Printable text from whatever a receiver sent: invalid UTF-8 and control characters
    shown as escapes (\\x1b), cut to ``limit`` characters. Escaped again on output."""
    text = raw.decode("utf-8", errors="backslashreplace")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a given, already checked address instead of resolving the host."""

    def __init__(
        self, host: str, port: int, *, address: str, connect_timeout: float, read_timeout: float
    ) -> None:
        super().__init__(host, port, timeout=read_timeout)
        self.address = address
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), timeout=self.connect_timeout)
        sock.settimeout(self.read_timeout)
        self.sock = sock


class PinnedHTTPSConnection(PinnedHTTPConnection):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _fail(message: str, latency_ms: int | None = None) -> Outcome:
    return Outcome(status=None, latency_ms=latency_ms, excerpt="", error=message)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return sanitise(str(text).encode(), 200)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    connect_timeout: float,
    read_timeout: float,
) -> Outcome:
    """POST ``body`` to ``url``. Never raises for network trouble: the outcome says it."""
    try:
        parts = validation.parse_url(url)
    except DomainError as exc:
        return _fail(exc.message)
    host = parts.hostname or ""
    port = validation.default_port(parts)
    literal = validation.literal_address(host)
    try:
        addresses = [literal] if literal is not None else validation.resolve(host, port)
    except (OSError, UnicodeError) as exc:
        return _fail(f"Could not resolve {host}: {_reason(exc)}.")
    for address in addresses:
        why = validation.address_problem(address)
        if why:
            return _fail(
                f"Not sent: {host} now resolves to {address}, {why}. Webhooks only go to "
                "public addresses."
            )
    if not addresses:
        return _fail(f"Could not resolve {host}: no addresses.")
    connection_class = (
        PinnedHTTPSConnection if parts.scheme.lower() == "https" else PinnedHTTPConnection
    )
    conn = connection_class(
        host,
        port,
        address=str(addresses[0]),
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    # The whole attempt must end within both timeouts, even an answer (or a TLS
    # handshake) trickled byte by byte: past that the socket is shut.
    fired = threading.Event()
    deadline = threading.Timer(connect_timeout + read_timeout, _cut, args=(conn, fired))
    deadline.daemon = True
    deadline.start()
    try:
        conn.connect()
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        deadline.cancel()
        conn.close()
        if fired.is_set():
            return _fail(f"The TLS handshake with {host} did not finish in time.", elapsed())
        if isinstance(exc, TimeoutError):
            return _fail(f"Could not connect to {host}: no answer within {connect_timeout:g} s.")
        if isinstance(exc, ssl.SSLError):
            return _fail(f"TLS failed with {host}: {_reason(exc)}.", elapsed())
        return _fail(f"Could not connect to {host}: {_reason(exc)}.", elapsed())
    try:
        conn.request("POST", target, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        status = response.status
        reason = sanitise((response.reason or "").encode(), 100)
        location = response.getheader("Location", "") or ""
        try:
            raw = response.read(MAX_EXCERPT + 1)
        except (OSError, http.client.HTTPException):
            raw = b""  # the status line is what counts; the excerpt is a courtesy
    except (TimeoutError, http.client.HTTPException, OSError) as exc:
        if isinstance(exc, TimeoutError) or fired.is_set():
            return _fail(f"No response from {host} within {read_timeout:g} s.", elapsed())
        if isinstance(exc, http.client.HTTPException) and not isinstance(exc, OSError):
            return _fail(f"The answer from {host} was not valid HTTP: {_reason(exc)}.", elapsed())
        return _fail(f"The connection to {host} failed: {_reason(exc)}.", elapsed())
    finally:
        deadline.cancel()
        conn.close()
    latency = elapsed()
    if fired.is_set():  # cut off mid-answer: whatever arrived is not a whole answer
        return _fail(f"No complete response from {host} within {read_timeout:g} s.", latency)
    excerpt = sanitise(raw)
    if 200 <= status < 300:
        return Outcome(status, latency, excerpt, "")
    if 300 <= status < 400:
        shown = sanitise(location.encode(), 200) or "nowhere"
        error = (
            f"The receiver redirected ({status}) to {shown}; redirects are not followed. "
            "Update the endpoint's URL."
        )
    else:
        error = f"The receiver answered {status} {reason}".rstrip() + "."
    return Outcome(status, latency, excerpt, error)


def _cut(conn: http.client.HTTPConnection, fired: threading.Event) -> None:
    fired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
