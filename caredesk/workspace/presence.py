"""The collision notice: which other staff are viewing or typing on a case.

Presence rows are advisory and short-lived. Writing them is not a change to the case, so
they are written here rather than through an ``actions.py`` function and are not audited
(house rule 1 covers case state; a heartbeat is not state anyone needs to account for).

With ``REDIS_URL`` set, presence lives in Redis instead of the database: one hash per case
(``<prefix>:presence:<case id>``, a field per viewer: seen and typing-until as Unix
times), each field written on its own so two viewers' pings never overwrite each other,
and the hash expires a minute after the last ping. Every web process on every machine
sees the same viewers, and the pings cost the database nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from django.conf import settings

from caredesk.accounts.models import User
from caredesk.tickets.models import Ticket
from caredesk.workspace.models import CasePresence

VIEWING_WINDOW = timedelta(seconds=30)
TYPING_WINDOW = timedelta(seconds=8)


@dataclass(frozen=True)
class Viewer:
    name: str
    typing: bool


def _redis() -> redis.Redis | None:
    url = getattr(settings, "REDIS_URL", "")
    return _client(url) if url else None


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _key(ticket_id: int) -> str:
    return f"{settings.CAREDESK_REDIS_KEY_PREFIX}:presence:{ticket_id}"


def touch_presence(ticket: Ticket, user: User, *, typing: bool, now: datetime) -> None:
    """Record that ``user`` has the case open (and is typing, if so)."""
    client = _redis()
    if client is not None:
        _touch_in_redis(client, ticket.pk, user.pk, typing=typing, now=now)
        return
    defaults: dict[str, datetime | None] = {"last_seen": now}
    if typing:
        defaults["typing_until"] = now + TYPING_WINDOW
    CasePresence.objects.update_or_create(ticket=ticket, user=user, defaults=defaults)


def _times(value: bytes | str) -> tuple[float, float]:
    """(seen, typing until) of one stored field, as Unix times."""
    text = value.decode() if isinstance(value, bytes) else value
    seen, _, typing = text.partition("|")
    return float(seen), float(typing or 0)


def _touch_in_redis(
    client: redis.Redis, ticket_id: int, user_id: int, *, typing: bool, now: datetime
) -> None:
    key, field = _key(ticket_id), str(user_id)
    previous = client.hget(key, field)
    typing_until = (now + TYPING_WINDOW).timestamp() if typing else 0.0
    if not typing and previous:
        try:
            typing_until = _times(previous)[1]  # keep a typing mark still due
        except ValueError:
            typing_until = 0.0
    with client.pipeline() as pipe:
        pipe.hset(key, field, f"{now.timestamp()}|{typing_until}")
        pipe.expire(key, int(VIEWING_WINDOW.total_seconds()) * 2)
        pipe.execute()


def _seen_in_redis(
    client: redis.Redis, ticket_id: int, now: datetime
) -> dict[int, datetime | None]:
    """{user id: typing until} of the viewers seen within the window."""
    seen: dict[int, datetime | None] = {}
    since = (now - VIEWING_WINDOW).timestamp()
    for field, value in client.hgetall(_key(ticket_id)).items():
        try:
            user_id, (last_seen, typing_until) = int(field), _times(value)
        except ValueError:
            continue  # not a field this module wrote: ignored, it expires with the hash
        if last_seen >= since:
            seen[user_id] = datetime.fromtimestamp(typing_until, UTC) if typing_until else None
    return seen


def other_viewers(ticket: Ticket, user: User, *, now: datetime) -> list[Viewer]:
    """Other active staff seen on the case in the last 30 seconds, typists first."""
    client = _redis()
    if client is not None:
        seen = _seen_in_redis(client, ticket.pk, now)
        seen.pop(user.pk, None)
        people = User.objects.filter(pk__in=seen).order_by("name", "pk")
        found = [
            Viewer(name=p.display_name, typing=(t := seen[p.pk]) is not None and t >= now)
            for p in people
            if p.is_agent_staff
        ]
        return sorted(found, key=lambda v: not v.typing)
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
