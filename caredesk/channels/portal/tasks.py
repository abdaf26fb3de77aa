"""Background work of the portal. Tasks take plain values, re-check state, run twice safely."""

from __future__ import annotations

from caredesk.channels.portal import actions
from caredesk.core.background import task
from caredesk.core.clock import now as clock_now


@task()
def send_sign_in_link(address: str, ip: str | None, language: str = "") -> None:
    """Issue and mail a sign-in link if the address belongs to a customer (else nothing),
    in their language, else ``language`` (the browser's that asked), else English.

    Running it twice mails two links, each valid once: the same as asking twice."""
    actions.do_send_magic_link(address, clock_now(), ip, language=language)
