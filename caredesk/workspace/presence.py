"""The collision notice: which other staff are viewing or typing on a case.

Presence rows are advisory and short-lived. Writing them is not a change to the case, so
they are written here rather than through an ``actions.py`` function and are not audited
(house rule 1 covers case state; a heartbeat is not state anyone needs to account for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from caredesk.accounts.models import User
from caredesk.tickets.models import Ticket
from caredesk.workspace.models import CasePresence

VIEWING_WINDOW = timedelta(seconds=30)
TYPING_WINDOW = timedelta(seconds=8)


@dataclass(frozen=True)
class Viewer:
    name: str
    typing: bool


def touch_presence(ticket: Ticket, user: User, *, typing: bool, now: datetime) -> None:
    """Record that ``user`` has the case open (and is typing, if so)."""
    defaults: dict[str, datetime | None] = {"last_seen": now}
    if typing:
        defaults["typing_until"] = now + TYPING_WINDOW
    CasePresence.objects.update_or_create(ticket=ticket, user=user, defaults=defaults)


def other_viewers(ticket: Ticket, user: User, *, now: datetime) -> list[Viewer]:
    """Other active staff seen on the case in the last 30 seconds, typists first."""
    rows = (
        CasePresence.objects.filter(ticket=ticket, last_seen__gte=now - VIEWING_WINDOW)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__name", "user_id")
    )
    viewers = [
        Viewer(
            name=row.user.display_name,
            typing=row.typing_until is not None and row.typing_until >= now,
        )
        for row in rows
        if row.user.is_agent_staff
    ]
    return sorted(viewers, key=lambda v: not v.typing)
