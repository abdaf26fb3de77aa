"""Overrides of the policies' eligibility rules are approvals (P7, P12).

An agent who must promise an ineligible return, exchange, refund or exception asks for a
*Policy exception* goodwill action (its authority limits send it to a lead); once it is
applied on the case — at once within the asker's limit, or after the approval — the
promise may be made, and the promise's audit names this grant. Policies sit below this
layer, so they reach this function through ``settings.CAREDESK_ELIGIBILITY_OVERRIDES``.
"""

from __future__ import annotations

from caredesk.escalations.models import GoodwillAction

POLICY_EXCEPTION = "policy-exception"


def granted_override(ticket_id: int) -> str | None:
    granted = (
        GoodwillAction.objects.filter(ticket_id=ticket_id, action_type__slug=POLICY_EXCEPTION)
        .select_related("applied_by", "approval__decided_by")
        .order_by("-created_at", "-id")
        .first()
    )
    if granted is None:
        return None
    if granted.approval is not None:
        who = granted.approval.decided_by.display_name if granted.approval.decided_by else "a lead"
        return f"Policy exception approved by {who} (approval {granted.approval_id})"
    return f"Policy exception granted by {granted.applied_by.display_name} (goodwill {granted.pk})"
