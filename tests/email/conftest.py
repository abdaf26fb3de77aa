from __future__ import annotations

import logging
import socket
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest

from caredesk.channels.email.actions import do_store_raw
from caredesk.channels.email.intake import from_bytes
from caredesk.channels.email.models import RawMessage
from tests.conftest import NOW


def make_mail(
    *,
    sender: str = "Alice Acme <alice@acme.test>",
    to: str = "support@caredesk.localhost",
    subject: str = "My parcel never arrived",
    body: str = "Hello, my parcel 4711 never arrived. Can you help?",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = message_id or make_msgid(domain="mail.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content, ctype in attachments or []:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def ingest(raw: bytes, channel: str = "pipe") -> RawMessage:
    """Store (committing) and let the immediate task backend process it; fresh row back."""
    row, _ = do_store_raw(from_bytes(raw), channel=channel, now=NOW)
    row.refresh_from_db()
    return row


@pytest.fixture
def mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "caredesk <support@caredesk.localhost>"
    return settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.refuse = 0  # answer this many DATA commands with a temporary failure

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.envelopes.append(
            (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs each connection at INFO from its own thread, which can outlive
    # pytest's log capture and print "--- Logging error ---": only warnings matter here.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield handler
    finally:
        controller.stop()
        server_log.setLevel(level)
