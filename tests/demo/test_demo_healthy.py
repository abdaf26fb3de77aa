"""The demo is a healthy desk (issue 15, finding 8): most cases answered in time, a few
realistic problems, and every feature in use on first load."""

from __future__ import annotations

from datetime import timedelta

from caredesk.escalations.models import ApprovalRequest, ApprovalStatus, Escalation
from caredesk.feedback.models import Feedback, FeedbackKind
from caredesk.promises.models import Promise, State
from caredesk.tickets.models import OPEN_STATUSES, Ticket
from tests.conftest import NOW
from tests.demo.conftest import run_demo


def test_a_month_of_demo_cases_is_mostly_answered_in_time(db):
    assert run_demo(cases=150, seed=7).code == 0
    cases = Ticket.objects.count()
    breached = Ticket.objects.filter(sla_breached=True).count()
    # A few realistic problems (the overdue-callback and delivery-window stories among
    # them), not a desk on fire: today's main showed 90 breaches on first load.
    assert 1 <= breached <= max(6, cases // 20)
    assert Escalation.objects.count() <= breached + 2
    oldest = Ticket.objects.order_by("created_at").first()
    assert oldest is not None and oldest.created_at >= NOW - timedelta(days=29)
    # Older cases are done or wait on the customer; work waiting on us is recent.
    stale = Ticket.objects.filter(
        status__in=OPEN_STATUSES, created_at__lt=NOW - timedelta(days=5), sla_breached=False
    ).exclude(status="waiting_customer")
    assert stale.count() == 0


def test_the_demo_has_open_promises_an_approval_and_a_complaint_to_review(loaded):
    open_promises = Promise.objects.filter(state=State.OPEN)
    due_today = [p for p in open_promises if p.due_at.date() == NOW.date() and p.due_at > NOW]
    assert len(due_today) == 1
    assert open_promises.filter(due_at__date=NOW.date() + timedelta(days=1)).count() == 1

    pending = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING)
    assert pending.count() == 1
    approval = pending.get()
    assert approval.approver is not None and approval.due_at is not None
    assert approval.due_at > NOW  # waiting for a decision, not yet late

    complaint = Feedback.objects.get(kind=FeedbackKind.COMPLAINT)
    assert complaint.is_complaint and complaint.reviewed_at is None
