"""Mail about feedback: the reviewer hears of a complaint, the agent of the outcome."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from caredesk.core import clock, once
from caredesk.feedback.models import Feedback


@task()
def send_feedback_notice(feedback_id: int, event: str) -> None:
    row = (
        Feedback.objects.select_related("ticket", "agent", "reviewer", "reviewed_by")
        .filter(pk=feedback_id)
        .first()
    )
    if row is None:
        return
    from caredesk.channels.email.outbox import enqueue_mail, render_mail

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
    if to is None or not to.is_active or not to.email:
        return
    name = "feedback_" + template.rsplit("/", 1)[-1].split(".")[0]
    text, html = render_mail(name, template, {"feedback": row, "ticket": row.ticket})
    now = clock.now()
    with transaction.atomic():
        # Each feedback is left once and reviewed once: one mail per (feedback, event).
        if not once.claim(f"feedback-mailed:{row.pk}:{event}", now):
            return
        enqueue_mail(
            kind="notify",
            to=to.email,
            subject=subject,
            text=text,
            html=html,
            now=now,
            auto=True,
        )
