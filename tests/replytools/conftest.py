from __future__ import annotations

# The email tests' real SMTP server and mail settings, for the Cc/Bcc tests here.
from tests.email.conftest import mail_settings, smtp_server  # noqa: F401
