"""Policies inserted into a reply: when the reply is sent, the customer was told.

The reply box (workspace, API) says which policy versions the agent inserted; the view
wraps the reply in :func:`acknowledging`, and the ``message.added`` reaction
(:mod:`caredesk.policies.reactions`) records one acknowledgement per version
(how=reply, evidence=the message id) in the reply's own transaction. The case actions
never hear of policies (ADR 7). A version whose text the agent removed again before
sending is not recorded: only what the customer actually received counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.translation import gettext

from caredesk.accounts.models import User
from caredesk.core.errors import DomainError
from caredesk.policies.models import PolicyVersion

MAX_VERSIONS = 10


@dataclass(frozen=True)
class Inserted:
    agent: User
    versions: tuple[PolicyVersion, ...]


_inserted: ContextVar[Inserted | None] = ContextVar("policies_inserted", default=None)


def clean_version_ids(raw: Sequence[object]) -> list[int]:
    """Version ids from a form or JSON body: whole numbers, at most ten, no repeats."""
    ids: list[int] = []
    for value in raw:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 12:
            raise DomainError(
                gettext("The inserted policy must be a policy version id."),
                code="invalid_policy_version",
            )
        if int(text) not in ids:
            ids.append(int(text))
    if len(ids) > MAX_VERSIONS:
        raise DomainError(
            gettext("At most %(count)d policies per reply.") % {"count": MAX_VERSIONS},
            code="invalid_policy_version",
        )
    return ids


def versions_for(ids: Sequence[int]) -> tuple[PolicyVersion, ...]:
    found = {v.pk: v for v in PolicyVersion.objects.filter(pk__in=ids).select_related("policy")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError(
            gettext("There is no policy version %(id)s.") % {"id": missing[0]},
            code="invalid_policy_version",
        )
    return tuple(found[i] for i in ids)


@contextmanager
def acknowledging(agent: User, version_ids: Sequence[int]) -> Iterator[None]:
    """Replies sent inside this block record the given policy versions as told."""
    versions = versions_for(version_ids) if version_ids else ()
    token = _inserted.set(Inserted(agent, versions) if versions else None)
    try:
        yield
    finally:
        _inserted.reset(token)


def inserted() -> Inserted | None:
    return _inserted.get()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_was_sent(version: PolicyVersion, body: str) -> bool:
    return _squash(version.customer_text) in _squash(body)
