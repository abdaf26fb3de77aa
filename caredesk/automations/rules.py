"""Who may see and manage automations.

Automations act on every case of the desk, so they are shared by nature: leads,
managers and admins create and change them; agents see the list (what happens to their
cases automatically) and its log, read-only.
"""

from __future__ import annotations

from caredesk.accounts.models import ROLE_LEVEL, Role, User

REFUSED = "Only leads, managers and admins manage automations; agents can see them."


def can_see(user: User) -> bool:
    return user.is_agent_staff


def can_manage(user: User) -> bool:
    return user.is_agent_staff and user.level >= ROLE_LEVEL[Role.LEAD]
