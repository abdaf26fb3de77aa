"""Notices to staff about escalations and approvals, through the notification center
(``core.notify``: in the app, and by mail as each person prefers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from caredesk.accounts.models import User
from caredesk.core import languages
from caredesk.core.notifications import notify
from caredesk.escalations.models import ApprovalRequest, ApprovalStatus, Escalation

# A notification's subject: an English msgid and its values (None reads "nobody").
Subject = tuple[str, dict[str, Any]]

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
    to: User | None,
    subject: Subject,
    template: str,
    context: dict[str, Any],
    now: datetime,
) -> None:
    """Tell ``to`` (the name is historical: a notification, mailed as they prefer), in
    their own language. ``subject`` is an English msgid and its values; a value of None
    reads "nobody"."""
    if to is None:
        return
    ticket = context["ticket"]
    with translation.override(languages.for_staff_context({"recipient_language": to.language})):
        msgid, values = subject
        filled = {k: gettext("nobody") if v is None else v for k, v in values.items()}
        title = gettext(msgid) % {"ref": ticket.reference, **filled}
        body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    with transaction.atomic():
        notify(
            to,
            KINDS.get(context["kind"], context["kind"]),
            subject=title,
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
        context = {"escalation": esc, "ticket": esc.ticket, "kind": kind}
        if kind == "escalation" and esc.is_open:
            subject: Subject = (
                gettext_noop("[%(ref)s] Escalated to you: %(subject)s"),
                {"subject": esc.ticket.subject},
            )
            _mail(esc.owner, subject, template, context, now)
        elif kind == "escalation_review" and esc.is_open:
            subject = (
                gettext_noop(
                    "[%(ref)s] Abusive conversation ended: your review is part of this escalation"
                ),
                {},
            )
            _mail(esc.owner, subject, template, context, now)
        elif kind == "escalation_unstaffed":
            who = esc.owner.display_name if esc.owner else None
            subject = (
                gettext_noop(
                    "[%(ref)s] Nobody working at a level of the escalation; now with %(who)s"
                ),
                {"who": who},
            )
            extra: dict[str, Any] = {"item": esc, "owner": esc.owner, "what": "escalation"}
            for admin in admins():
                _mail(admin, subject, template, {**context, **extra}, now)
        elif kind == "escalation_stalled":
            subject = (gettext_noop("[%(ref)s] Escalation unanswered at every level"), {})
            for admin in admins():
                _mail(admin, subject, template, context, now)
        elif kind == "escalation_answered" and esc.raised_by and esc.raised_by.is_agent_staff:
            subject = (gettext_noop("[%(ref)s] Your escalation was answered"), {})
            _mail(esc.raised_by, subject, template, context, now)
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
    context = {"approval": approval, "ticket": approval.ticket, "kind": kind}
    if kind == "approval" and approval.is_pending:
        subject = (
            gettext_noop("[%(ref)s] Approval needed: %(action)s"),
            {"action": approval.action_type.name},
        )
        _mail(approval.approver, subject, template, context, now)
    elif kind == "approval_unstaffed":
        who = approval.approver.display_name if approval.approver else None
        subject = (
            gettext_noop("[%(ref)s] Nobody working at a level of the approval; now with %(who)s"),
            {"who": who},
        )
        more: dict[str, Any] = {
            "item": approval,
            "owner": approval.approver,
            "what": "approval request",
        }
        for admin in admins():
            _mail(admin, subject, template, {**context, **more}, now)
    elif kind == "approval_stalled":
        subject = (gettext_noop("[%(ref)s] Approval undecided at every level"), {})
        for admin in admins():
            _mail(admin, subject, template, context, now)
    elif kind == "decision":
        subject = (
            gettext_noop("[%(ref)s] %(outcome)s: %(action)s"),
            {"outcome": ApprovalStatus(approval.status).label, "action": approval.action_type.name},
        )
        _mail(approval.requested_by, subject, template, context, now)
