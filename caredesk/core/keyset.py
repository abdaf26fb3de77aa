"""Keyset cursors for lists ordered by (time, rank, id): "show earlier" without OFFSET.

A cursor names the last row a page showed; the next page is the rows strictly before it
in that order, read from an index (``created_at, id``) however deep the list goes. The text
form is ``<microseconds since 1970>.<rank>.<id>``: short, URL-safe, and checked on the way
in (anything else is a clear ``DomainError``, never a server error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from caredesk.core.errors import DomainError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_FORM = re.compile(r"([0-9]{1,17})\.([01])\.([0-9]{1,18})")
MAX_ID = 2**63 - 1


class BadCursor(DomainError):
    code = "bad_cursor"


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in a (time, rank, id) order; ``rank`` breaks ties between row kinds."""

    at: datetime
    rank: int
    pk: int

    def encode(self) -> str:
        return f"{(self.at - _EPOCH) // _ONE_US}.{self.rank}.{self.pk}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        match = _FORM.fullmatch(text or "")
        if match is None:
            raise BadCursor("That link to earlier entries is not valid; open the case again.")
        micros, rank, pk = (int(part) for part in match.groups())
        try:
            at = _EPOCH + micros * _ONE_US
        except OverflowError:
            raise BadCursor(
                "That link to earlier entries is not valid; open the case again."
            ) from None
        if pk > MAX_ID:
            raise BadCursor("That link to earlier entries is not valid; open the case again.")
        return cls(at=at, rank=rank, pk=pk)
