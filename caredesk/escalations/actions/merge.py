"""An open escalation follows its case when the case is merged into another (the
escalations app's reaction to ``case.merged``, :mod:`caredesk.escalations.reactions`).

A merged case is a pointer nobody works on, so its open escalation must not stay there:

* the target has no open escalation: it moves to the target, with its owner, level and
  deadline unchanged (the decision is still owed; the customer now waits on the target);
* the target has its own: a case has at most one open escalation, so the source's is
  closed as merged, and the target's carries on. What the source's asked for is kept on
  the target's timeline, its abuse review rides on the target's escalation, and a group
  the source's carried passes to its oldest open member (:func:`group.promote`).
"""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.escalations.actions import group
from caredesk.escalations.models import Escalation, EscalationStatus
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket


def do_follow_merge(source: Ticket, target: Ticket, *, actor: User | None, now: datetime) -> str:
    """Runs inside the merge's transaction (both cases locked). Returns "moved",
    "joined" or "" (the source had no open escalation)."""
    moving = (
        Escalation.objects.select_for_update(of=("self",))
        .filter(ticket_id=source.pk, status=EscalationStatus.OPEN)
        .select_related("owner")
        .first()
    )
    if moving is None:
        return ""
    owner = moving.owner.display_name if moving.owner is not None else None
    detail = {"from": source.reference, "level": moving.level, "owner": owner}
    existing = (
        Escalation.objects.select_for_update(of=("self",))
        .filter(ticket_id=target.pk, status=EscalationStatus.OPEN)
        .first()
    )
    if existing is None:
        Escalation.objects.filter(pk=moving.pk).update(ticket=target)
        audit.insert(
            [
                audit.event(
                    target,
                    actor,
                    "escalation_moved",
                    now=now,
                    field="escalation",
                    new=detail,
                    note=f"The open escalation of {source.reference} came with it"
                    + (f" (owner {owner})." if owner else "."),
                )
            ]
        )
        return "moved"
    Escalation.objects.filter(pk=moving.pk, status=EscalationStatus.OPEN).update(
        status=EscalationStatus.RESOLVED,
        resolution=f"Merged into {target.reference}; its open escalation carries on.",
        resolved_by=None,
        resolved_at=now,
        due_at=None,
        step_up_at=None,
    )
    if moving.parent_id is None:
        group.promote(moving)
    if moving.abuse_review and not existing.abuse_review:
        existing.abuse_review = True
        existing.save(update_fields=["abuse_review"])
    audit.insert(
        [
            audit.event(
                source,
                actor,
                "escalation_merged",
                now=now,
                field="escalation",
                old={"status": EscalationStatus.OPEN, "level": moving.level},
                new={"status": EscalationStatus.RESOLVED, "merged_into": target.reference},
                note=f"Merged into {target.reference}, whose open escalation carries on.",
            ),
            audit.event(
                target,
                actor,
                "escalation_joined",
                now=now,
                field="escalation",
                new={**detail, "reason": moving.reason, "abuse_review": moving.abuse_review},
                note=f"{source.reference}'s escalation joined this one: {moving.reason}"[:2000],
            ),
        ]
    )
    return "joined"
