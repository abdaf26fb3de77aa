"""Signed one-click links in mails: the one mechanism every app's mail links use.

A link carries a small dict of integer ids and a *purpose*, signed with the app's own salt
(a token of one app is never valid in another) and expiring after ``max_age`` seconds.
:func:`read` checks the signature, the age, the shape (ids are plain integers) and the
purpose (a "yes" token never works as a "no"), and raises :class:`BadLink` with a reason
the page shows: ``invalid``, ``expired`` or ``wrong_purpose``.

Mail scanners follow links, so a link's GET only ever shows a confirm page; only the POST
(with CSRF) acts. Single use is the app's rule (it re-reads its row and refuses a settled
one), never the token's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core import signing

MAX_TOKEN = 300
PURPOSE_KEY = "p"


class BadLink(Exception):
    """Why a link cannot be used: ``invalid``, ``expired`` or ``wrong_purpose``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make(salt: str, ids: Mapping[str, int], purpose: str) -> str:
    """A token carrying ``ids`` (one-letter keys to integers) for ``purpose``."""
    if PURPOSE_KEY in ids:
        raise ValueError(f"{PURPOSE_KEY!r} is the purpose key")
    return signing.dumps({**ids, PURPOSE_KEY: purpose}, salt=salt, compress=True)


def read(
    token: str,
    *,
    salt: str,
    purpose: str,
    purposes: Iterable[str],
    keys: Iterable[str],
    max_age: int,
) -> dict[str, int]:
    """The ids a valid, unexpired token of ``purpose`` carries; :class:`BadLink` else."""
    if purpose not in tuple(purposes) or not token or len(token) > MAX_TOKEN:
        raise BadLink("invalid")
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink("expired") from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise BadLink("invalid") from None
    if not isinstance(data, dict):
        raise BadLink("invalid")
    out: dict[str, int] = {}
    for key in keys:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadLink("invalid")
        out[key] = value
    if data.get(PURPOSE_KEY) != purpose:
        raise BadLink("wrong_purpose")
    return out
