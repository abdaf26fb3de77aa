"""The signed unsubscribe link in incident mails: one per customer, no sign-in needed,
for non-essential updates only. Mail scanners follow links, so the page it opens asks
for a click before anything changes (``caredesk.channels.portal``)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "caredesk.incidents.unsubscribe"
PATH = "/portal/incidents/unsubscribe/{token}/"


class BadLink(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"


def make_token(customer_id: int) -> str:
    return signing.dumps({"c": customer_id}, salt=SALT, compress=False)


def unsubscribe_url(customer_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + PATH.format(token=make_token(customer_id))


def read_token(token: str) -> int:
    """The customer id in ``token``, or :class:`BadLink`."""
    max_age = settings.CAREDESK_INCIDENT_LINK_DAYS * 86400
    try:
        data = signing.loads(token[:500], salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink("expired") from None
    except signing.BadSignature:
        raise BadLink("invalid") from None
    customer_id = data.get("c") if isinstance(data, dict) else None
    if not isinstance(customer_id, int) or customer_id <= 0:
        raise BadLink("invalid")
    return customer_id
