"""Notices about feedback: the reviewer hears of a complaint, the agent of kudos and of
the outcome (``core.notify``: in the app, and by mail as each person prefers)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from caredesk.core import clock, once
from caredesk.core.background import task
from caredesk.core.models import OutboundEmail
from caredesk.core.notifications import notify
from caredesk.core.outbox import send_mail
from caredesk.feedback import csat_links
from caredesk.feedback.models import Feedback, Survey, SurveyState

CSAT_MAIL = "csat_survey"


@task()
def mail_survey(survey_id: int) -> None:
    """The survey mail, once per survey (re-checks the row; never to machine senders)."""
    row = (
        Survey.objects.select_related("ticket", "customer")
        .filter(pk=survey_id, state=SurveyState.SENT)
        .first()
    )
    if row is None or row.ticket.from_machine or not row.customer.primary_email:
        return
    ticket, customer = row.ticket, row.customer
    urls = {
        f"{r}_url": csat_links.rating_url(row.pk, ticket.pk, customer.pk, r)
        for r in csat_links.RATINGS
    }
    context = {
        "ticket": ticket,
        "customer_name": customer.name,
        "change_days": settings.CAREDESK_CSAT_CHANGE_DAYS,
        **urls,
    }
    now = clock.now()
    with transaction.atomic():
        if not once.claim(f"csat-mailed:{row.pk}", now):
            return
        send_mail(
            CSAT_MAIL,
            customer.primary_email,
            context,
            now=now,
            kind=OutboundEmail.Kind.NOTICE,
            auto=True,
            case_id=ticket.pk,
            thread=True,
        )


@task()
def send_feedback_notice(feedback_id: int, event: str) -> None:
    row = (
        Feedback.objects.select_related("ticket", "agent", "reviewer", "reviewed_by")
        .filter(pk=feedback_id)
        .first()
    )
    if row is None:
        return
    if event == "new" and row.is_complaint:
        to, subject, template = (
            row.reviewer,
            f"[{row.ticket.reference}] Complaint about {row.agent.display_name} to review",
            "feedback/mail/complaint.txt",
        )
    elif event == "new":
        to, subject, template = (
            row.agent,
            f"[{row.ticket.reference}] Kudos from {row.author_label}",
            "feedback/mail/kudos.txt",
        )
    elif event == "reviewed":
        to, subject, template = (
            row.agent,
            f"[{row.ticket.reference}] Complaint reviewed: {row.get_outcome_display()}",
            "feedback/mail/reviewed.txt",
        )
    else:
        return
    kind = "feedback_" + template.rsplit("/", 1)[-1].split(".")[0]
    body = render_to_string(
        template, {"feedback": row, "ticket": row.ticket, "site_url": settings.SITE_URL}
    )
    now = clock.now()
    with transaction.atomic():
        # Each feedback is left once and reviewed once: one notice per (feedback, event).
        if not once.claim(f"feedback-notified:{row.pk}:{event}", now):
            return
        notify(to, kind, subject=subject, body=body, now=now, ticket_id=row.ticket_id)
