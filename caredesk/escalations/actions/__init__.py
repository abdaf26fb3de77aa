"""Every change to escalations, approvals, delegations and protected conversations goes
through these functions (house rule 1): one transaction each, audited, side effects after
commit."""

from caredesk.escalations.actions.approvals import (
    GoodwillOutcome,
    can_decide,
    do_decide_approval,
    do_request_goodwill,
    do_tell_customer_outcome,
    step_up_approval,
    step_up_approval_early,
)
from caredesk.escalations.actions.delegation import do_cancel_delegation, do_delegate
from caredesk.escalations.actions.escalate import (
    EscalationResult,
    can_answer,
    do_escalate,
    do_request_supervisor,
    do_resolve_escalation,
    step_up_escalation,
    step_up_escalation_early,
)
from caredesk.escalations.actions.merge import do_follow_merge
from caredesk.escalations.actions.protect import do_end_abusive_conversation
from caredesk.escalations.actions.solved import do_close_solved_escalations

__all__ = [
    "EscalationResult",
    "GoodwillOutcome",
    "can_answer",
    "can_decide",
    "do_cancel_delegation",
    "do_close_solved_escalations",
    "do_decide_approval",
    "do_delegate",
    "do_end_abusive_conversation",
    "do_escalate",
    "do_follow_merge",
    "do_request_goodwill",
    "do_request_supervisor",
    "do_resolve_escalation",
    "do_tell_customer_outcome",
    "step_up_approval",
    "step_up_approval_early",
    "step_up_escalation",
    "step_up_escalation_early",
]
