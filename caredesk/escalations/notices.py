"""Notices to staff about escalations and approvals, through the notification center
(``core.notify``: in the app, and by mail as each person prefers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from caredesk.accounts.models import User
from caredesk.core.notifications import notify
from caredesk.escalations.models import ApprovalRequest, Escalation

TEMPLATES = {
    "escalation": "escalations/mail/escalation.txt",
    "escalation_answered": "escalations/mail/escalation_answered.txt",
    "escalation_stalled": "escalations/mail/escalation.txt",
    "escalation_review": "escalations/mail/escalation.txt",
    "escalation_unstaffed": "escalations/mail/unstaffed.txt",
    "approval_unstaffed": "escalations/mail/unstaffed.txt",
    "approval": "escalations/mail/approval.txt",
    "approval_stalled": "escalations/mail/approval.txt",
    "decision": "escalations/mail/decision.txt",
}


# notice name -> notification kind
KINDS = {
    "decision": "approval_decided",
    "escalation_review": "escalation",
    "approval_unstaffed": "escalation_unstaffed",
}


def _mail(
    to: User | None, subject: str, template: str, context: dict[str, Any], now: datetime
) -> None:
    """Tell ``to`` (the name is historical: a notification, mailed as they prefer)."""
    if to is None:
        return
    ticket = context["ticket"]
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    with transaction.atomic():
        notify(
            to,
            KINDS.get(context["kind"], context["kind"]),
            subject=subject,
            body=body,
            now=now,
            ticket_id=ticket.pk,
        )


def send(kind: str, pk: int, *, admins: Callable[[], list[User]], now: datetime) -> None:
    template = TEMPLATES.get(kind)
    if template is None:
        return
    if kind.startswith("escalation"):
        esc = (
            Escalation.objects.select_related(
                "ticket__customer", "owner", "raised_by", "resolved_by"
            )
            .filter(pk=pk)
            .first()
        )
        if esc is None:
            return
        ref = esc.ticket.reference
        context = {"escalation": esc, "ticket": esc.ticket, "kind": kind}
        if kind == "escalation" and esc.is_open:
            _mail(
                esc.owner, f"[{ref}] Escalated to you: {esc.ticket.subject}", template, context, now
            )
        elif kind == "escalation_review" and esc.is_open:
            subject = f"[{ref}] Abusive conversation ended: your review is part of this escalation"
            _mail(esc.owner, subject, template, context, now)
        elif kind == "escalation_unstaffed":
            who = esc.owner.display_name if esc.owner else "nobody"
            subject = f"[{ref}] Nobody working at a level of the escalation; now with {who}"
            extra: dict[str, Any] = {"item": esc, "owner": esc.owner, "what": "escalation"}
            for admin in admins():
                _mail(admin, subject, template, {**context, **extra}, now)
        elif kind == "escalation_stalled":
            for admin in admins():
                _mail(
                    admin, f"[{ref}] Escalation unanswered at every level", template, context, now
                )
        elif kind == "escalation_answered" and esc.raised_by and esc.raised_by.is_agent_staff:
            _mail(esc.raised_by, f"[{ref}] Your escalation was answered", template, context, now)
        return
    approval = (
        ApprovalRequest.objects.select_related(
            "ticket__customer", "approver", "requested_by", "decided_by", "action_type"
        )
        .filter(pk=pk)
        .first()
    )
    if approval is None:
        return
    ref = approval.ticket.reference
    context = {"approval": approval, "ticket": approval.ticket, "kind": kind}
    if kind == "approval" and approval.is_pending:
        subject = f"[{ref}] Approval needed: {approval.action_type.name}"
        _mail(approval.approver, subject, template, context, now)
    elif kind == "approval_unstaffed":
        who = approval.approver.display_name if approval.approver else "nobody"
        subject = f"[{ref}] Nobody working at a level of the approval; now with {who}"
        more: dict[str, Any] = {
            "item": approval,
            "owner": approval.approver,
            "what": "approval request",
        }
        for admin in admins():
            _mail(admin, subject, template, {**context, **more}, now)
    elif kind == "approval_stalled":
        for admin in admins():
            _mail(admin, f"[{ref}] Approval undecided at every level", template, context, now)
    elif kind == "decision":
        subject = f"[{ref}] {approval.get_status_display()}: {approval.action_type.name}"
        _mail(approval.requested_by, subject, template, context, now)
