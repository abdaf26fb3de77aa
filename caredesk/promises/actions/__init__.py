"""Every change to a promise goes through one of these functions (house rule 1).

Each runs in one transaction (locking the case row first, then the promise, the same
order the case actions use), writes audit events with old and new values — public for
promises the customer sees, so the portal history shows them — and enqueues side
effects after commit.
"""

from caredesk.promises.actions.common import lead_for
from caredesk.promises.actions.fire import Fired, do_fire_promise_alarm, do_hand_over_promise
from caredesk.promises.actions.keep import (
    do_keep_callback_promise,
    do_keep_fix_promises,
    do_keep_update_promises,
)
from caredesk.promises.actions.make import (
    PromiseDraft,
    check_draft,
    do_cancel_promise,
    do_keep_promise,
    do_make_promise,
    do_reassign_promise,
    do_renegotiate_promise,
    do_reply_with_promise,
    do_request_callback,
    may_manage,
)
from caredesk.promises.actions.move import do_move_promises

__all__ = [
    "Fired",
    "PromiseDraft",
    "check_draft",
    "do_cancel_promise",
    "do_fire_promise_alarm",
    "do_hand_over_promise",
    "do_keep_callback_promise",
    "do_keep_fix_promises",
    "do_keep_promise",
    "do_keep_update_promises",
    "do_make_promise",
    "do_move_promises",
    "do_reassign_promise",
    "do_renegotiate_promise",
    "do_reply_with_promise",
    "do_request_callback",
    "lead_for",
    "may_manage",
]
