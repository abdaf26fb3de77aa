"""Start-up checks of the email channel (``manage.py check``, run by every command)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning

from caredesk.channels.email.conf import address_in, sender_addresses
from caredesk.core import mailconf


def own_addresses_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Intake must know the desk's own addresses, or mail from the desk gets answered.

    Only settings are read here (checks run before the database may exist); the
    mailboxes' addresses count too, and intake logs a warning when it finds none at all."""
    settings_own = {mailconf.desk_address(), *mailconf.extra_own_addresses(), *sender_addresses()}
    if any(address_in(a) for a in settings_own):
        return []
    return [
        CheckWarning(
            "The email channel knows no address of its own.",
            hint="Set DEFAULT_FROM_EMAIL (the address caredesk sends from) or "
            "CAREDESK_EMAIL_OWN_ADDRESSES, or configure a mailbox: otherwise mail sent from "
            "the desk's own address is answered automatically (a mail loop).",
            id="caredesk.email.W001",
        )
    ]
