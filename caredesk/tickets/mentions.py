"""@mentions in internal notes: ``@Ada Agent``, ``@Ada`` or ``@ada@desk.test``.

A mention names an active staff member who can see the case; each mentioned person is
told once per note (kind "mention"), never the note's author. Anything else after an
``@`` (unknown names, customers, people who cannot see the case) is ignored.
"""

from __future__ import annotations

import re
from datetime import datetime

from caredesk.accounts.models import STAFF_ROLES, User
from caredesk.core.notifications import notify
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import Message, Ticket

MAX_MENTIONS = 20  # people told per note; further mentions are ignored
MAX_AT_SIGNS = 200  # a note with more "@" than this is read up to here
_EMAIL = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_AT = re.compile(r"(?<![\w.+-])@(?=\w)")


def _name_ends(text: str, at: int) -> bool:
    return at >= len(text) or not (text[at].isalnum() or text[at] == "_")


def mentioned_users(body: str) -> list[User]:
    """Active staff named after an ``@`` in ``body``, in order of first mention, once each."""
    if "@" not in body:
        return []
    found: list[User] = []
    emails = [m.group(1).lower() for m in _EMAIL.finditer(body)][:MAX_AT_SIGNS]
    staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    by_email = {u.email.lower(): u for u in staff.filter(email__in=set(emails))} if emails else {}
    positions: list[tuple[int, User]] = []
    for m in _EMAIL.finditer(body):
        user = by_email.get(m.group(1).lower())
        if user is not None:
            positions.append((m.start(), user))
    email_spans = [m.span() for m in _EMAIL.finditer(body)]
    starts = [
        m.end() for m in _AT.finditer(body) if not any(a <= m.start() < b for a, b in email_spans)
    ][:MAX_AT_SIGNS]
    if starts:
        people = [u for u in staff.exclude(name="") if u.name.strip()]
        full = sorted(people, key=lambda u: -len(u.name))
        first_names: dict[str, list[User]] = {}
        for u in people:
            first_names.setdefault(u.name.split()[0].casefold(), []).append(u)
        folded = body.casefold()
        for start in starts:
            match = next(
                (
                    u
                    for u in full
                    if folded.startswith(u.name.strip().casefold(), start)
                    and _name_ends(body, start + len(u.name.strip()))
                ),
                None,
            )
            if match is None:
                word = re.match(r"\w+", body[start:])
                same = first_names.get(word.group(0).casefold(), []) if word else []
                if len(same) == 1:  # a first name alone, when it names one person
                    match = same[0]
            if match is not None:
                positions.append((start, match))
    for _, user in sorted(positions, key=lambda p: p[0]):
        if all(u.pk != user.pk for u in found):
            found.append(user)
    return found


def notify_mentions(ticket: Ticket, message: Message, author: User, now: datetime) -> int:
    """Tell everyone the note mentions (call inside the note's transaction). Returns how
    many were told."""
    told = 0
    for user in mentioned_users(message.body):
        if told >= MAX_MENTIONS:
            break
        if user.pk == author.pk or not visible_tickets(user).filter(pk=ticket.pk).exists():
            continue
        excerpt = message.body if len(message.body) <= 2000 else message.body[:1999] + "…"
        notify(
            user,
            "mention",
            subject=f"[{ticket.reference}] {author.display_name} mentioned you: {ticket.subject}",
            body=f"{author.display_name} wrote in an internal note:\n\n{excerpt}",
            now=now,
            ticket_id=ticket.pk,
            link=f"/cases/{ticket.pk}/#m{message.pk}",
        )
        told += 1
    return told
