"""Delegation: while an approver is away, someone else decides for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext

from caredesk.accounts.models import Role, User
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.escalations.models import Delegation
from caredesk.sla.calendar import require_aware
from caredesk.tickets import audit

MAX_WINDOW = timedelta(days=90)
MAX_NOTE = 300


def do_delegate(
    *,
    delegator: User,
    delegate: User,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    note: str = "",
) -> Delegation:
    require_aware(now, "now")
    require_aware(starts_at, "start")
    require_aware(ends_at, "end")
    if delegator.role not in (Role.LEAD, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied(
            gettext("Only leads, managers and admins decide approvals to delegate.")
        )
    if delegate.pk == delegator.pk:
        raise DomainError(gettext("Choose someone else to decide while you are away."), code="self")
    if not delegate.is_agent_staff:
        raise DomainError(
            gettext("Delegate to an active member of staff."), code="invalid_delegate"
        )
    if ends_at <= starts_at:
        raise DomainError(
            gettext("The delegation must end after it starts."), code="invalid_window"
        )
    if ends_at <= now:
        raise DomainError(gettext("The delegation would already be over."), code="invalid_window")
    if ends_at - starts_at > MAX_WINDOW:
        raise DomainError(gettext("A delegation lasts at most 90 days."), code="invalid_window")
    note = " ".join(str(note or "").split())
    if len(note) > MAX_NOTE:
        raise DomainError(
            gettext("The note is too long (limit %(limit)s characters).") % {"limit": MAX_NOTE},
            code="too_long",
        )
    with transaction.atomic():
        row = Delegation.objects.create(
            delegator=delegator,
            delegate=delegate,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note,
            created_at=now,
        )
        audit.record(
            None,
            delegator,
            "delegation_created",
            now=now,
            new={
                "delegate": delegate.display_name,
                "from": starts_at.isoformat(),
                "until": ends_at.isoformat(),
            },
            note=note,
        )
    return row


def do_cancel_delegation(*, actor: User, delegation_id: int, now: datetime) -> Delegation:
    with transaction.atomic():
        row = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
        if row is None or (row.delegator_id != actor.pk and actor.role != Role.ADMIN):
            raise NotFound(gettext("No such delegation."))
        if row.cancelled_at is None:
            row.cancelled_at = now
            row.save(update_fields=["cancelled_at"])
            audit.record(
                None,
                actor,
                "delegation_cancelled",
                now=now,
                old={"delegate": row.delegate.display_name, "until": row.ends_at.isoformat()},
            )
    return row
