"""The names of states as the customer reads them, translated (docs/languages.md).

The models' own labels stay plain English strings (the staff UI and the API use them);
the portal shows these instead, in the customer's language.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CASE_STATUS: dict[str, Promise] = {
    "new": _("New"),
    "open": _("Open"),
    "waiting_customer": _("Waiting on customer"),
    "waiting_us": _("Waiting on us"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
    "merged": _("Merged"),
}

CHANNEL: dict[str, Promise] = {
    "email": _("email"),
    "portal": _("portal"),
    "phone": _("phone"),
    "api": _("api"),
    "agent": _("agent (on behalf)"),
}

OUTCOME: dict[str, Promise] = {
    "pending": _("Awaiting the customer's answer"),
    "confirmed": _("Confirmed by the customer"),
    "rejected": _("Rejected by the customer (reopened)"),
    "unconfirmed": _("Closed without an answer"),
    "closed_by_staff": _("Closed by staff without asking"),
    "reopened": _("Reopened before an answer"),
}

REQUEST_STATUS: dict[str, Promise] = {
    "requested": _("Requested"),
    "done": _("Done"),
    "failed": _("Failed"),
}


def _word(table: dict[str, Promise], value: object) -> str:
    key = str(value or "")
    found = table.get(key)
    return str(found) if found is not None else key.replace("_", " ").capitalize()


def case_status(value: object) -> str:
    return _word(CASE_STATUS, value)


def channel(value: object) -> str:
    return _word(CHANNEL, value).lower()


def outcome(value: object) -> str:
    return _word(OUTCOME, value)


def request_status(value: object) -> str:
    return _word(REQUEST_STATUS, value)
