"""The outbox: every mail caredesk sends is a row first, then delivered with retries.

``enqueue_mail`` writes the row (and decides whether an automatic mail may go at all);
``deliver`` claims one row with a lease and hands it to Django's mail backend (SMTP in
production). A failed attempt is retried with exponential backoff; after the last attempt
the row is *failed* and admins see it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from caredesk.channels.email import conf
from caredesk.channels.email.loops import claim_auto_reply, own_addresses
from caredesk.channels.email.models import (
    EmailLink,
    MailTemplate,
    OutboundEmail,
    OutboundState,
)
from caredesk.core.effects import enqueue_after_commit
from caredesk.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

AUTO_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


def render_mail(name: str, default_template: str, context: dict[str, object]) -> tuple[str, str]:
    """(text, html) of a mail: the admin's template if there is one, else the built-in."""
    context = {**context, "site_url": settings.SITE_URL}
    custom = MailTemplate.objects.filter(name=name).first() if name else None
    if custom is not None:
        text = Template("{% autoescape off %}" + custom.text + "{% endautoescape %}").render(
            Context(context)
        )
        html = Template(custom.html).render(Context(context)) if custom.html.strip() else ""
    else:
        text = render_to_string(default_template, context)
        html = ""
    if not html:
        # The text, escaped by linebreaks(), in paragraphs: safe to place as it is.
        body = mark_safe(linebreaks(text, autoescape=True))  # noqa: S308
        html = render_to_string("email/mail_body.html", {"body": body})
    return text, html


def render_subject(name: str, default: str, context: dict[str, object], token: str = "") -> str:
    custom = MailTemplate.objects.filter(name=name).first() if name else None
    subject = default
    if custom is not None and custom.subject.strip():
        subject = Template(custom.subject).render(Context(context))
    subject = " ".join(subject.split())[:240]
    if token and token not in subject:
        subject = f"[{token}] {subject}"
    return subject


def _domain() -> str:
    address = conf.desk_address()
    return address.split("@", 1)[1] if "@" in address else "caredesk.localhost"


def new_message_id() -> str:
    return make_msgid(domain=_domain())


def thread_headers(ticket: Ticket) -> dict[str, str]:
    """In-Reply-To the latest mail on the case, References the chain (first and last 19)."""
    ids = list(
        EmailLink.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("rfc_message_id", flat=True)
    )
    if not ids:
        return {}
    chain = ids if len(ids) <= 20 else [ids[0], *ids[-19:]]
    return {"In-Reply-To": ids[-1], "References": " ".join(chain)}


def reply_to_for(ticket: Ticket) -> str:
    """A plus-address that routes replies to the case, when the mail server supports it."""
    if not getattr(settings, "CAREDESK_EMAIL_PLUS_ADDRESSING", False):
        return ""
    local, _, domain = conf.desk_address().partition("@")
    return f"{local}+{ticket.reference.lower()}@{domain}"


def enqueue_mail(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    now: datetime,
    auto: bool,
    ticket: Ticket | None = None,
    message: Message | None = None,
    capped: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> OutboundEmail | None:
    """Put one mail in the outbox; it is delivered after commit. Returns the row.

    Mail to one of our own addresses is never sent (state *suppressed*, with the reason),
    and a ``capped`` automatic reply is sent at most once per sender per window."""
    to = (to or "").strip()
    if not to:
        return None
    headers: dict[str, str] = {}
    if ticket is not None:
        headers.update(thread_headers(ticket))
        reply_to = reply_to_for(ticket)
        if reply_to:
            headers["Reply-To"] = reply_to
    if auto:
        headers.update(AUTO_HEADERS)
    headers.update(extra_headers or {})
    state = OutboundState.QUEUED
    reason = ""
    if to.lower() in own_addresses():
        state, reason = OutboundState.SUPPRESSED, "The recipient is one of our own addresses."
    elif capped and not claim_auto_reply(to, now):
        state = OutboundState.SUPPRESSED
        reason = "An automatic reply already went to this address recently (loop protection)."
    with transaction.atomic():
        row = OutboundEmail.objects.create(
            kind=kind,
            to=to,
            from_email=settings.DEFAULT_FROM_EMAIL,
            subject=" ".join(subject.split())[:255],
            text=text,
            html=html,
            rfc_message_id=new_message_id(),
            headers=headers,
            message=message,
            ticket=ticket,
            state=state,
            last_error=reason,
            created_at=now,
            next_attempt_at=now,
        )
        if message is not None and ticket is not None and kind == OutboundEmail.Kind.REPLY:
            EmailLink.objects.create(
                message=message,
                ticket=ticket,
                rfc_message_id=row.rfc_message_id,
                direction=EmailLink.Direction.OUTBOUND,
                in_reply_to=headers.get("In-Reply-To", ""),
                references=headers.get("References", ""),
                from_address=conf.desk_address(),
                created_at=now,
            )
    if state == OutboundState.QUEUED:
        from caredesk.channels.email import tasks

        enqueue_after_commit(tasks.deliver_outbound, row.pk)
    return row


def build_email(row: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": row.rfc_message_id, **row.headers}
    reply_to = headers.pop("Reply-To", "")
    mail = EmailMultiAlternatives(
        subject=row.subject,
        body=row.text,
        from_email=row.from_email,
        to=[row.to],
        headers=headers,
        reply_to=[reply_to] if reply_to else None,
    )
    if row.html:
        mail.attach_alternative(row.html, "text/html")
    return mail


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=1) * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(outbound_id: int, now: datetime) -> OutboundEmail | None:
    due = Q(state__in=[OutboundState.QUEUED, OutboundState.RETRYING], next_attempt_at__lte=now)
    stale = Q(state=OutboundState.SENDING, next_attempt_at__lte=now)  # a worker died mid-send
    claimed = OutboundEmail.objects.filter(due | stale, pk=outbound_id).update(
        state=OutboundState.SENDING, next_attempt_at=now + LEASE
    )
    if not claimed:
        return None
    return OutboundEmail.objects.get(pk=outbound_id)


def deliver(outbound_id: int, now: datetime) -> str:
    """One delivery attempt. Returns the row's state afterwards ('' if not due/claimed)."""
    row = _claim(outbound_id, now)
    if row is None:
        return ""
    try:
        connection = get_connection(fail_silently=False)
        sent = connection.send_messages([build_email(row)])
        if sent != 1:
            raise RuntimeError("the mail server accepted no message")
    except Exception as exc:
        attempts = row.attempts + 1
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= conf.outbox_max_attempts():
            state, next_at = OutboundState.FAILED, now
        else:
            state, next_at = OutboundState.RETRYING, now + backoff(attempts)
        OutboundEmail.objects.filter(pk=row.pk).update(
            state=state, attempts=attempts, next_attempt_at=next_at, last_error=error
        )
        log.warning("mail %s to %s: attempt %s failed: %s", row.pk, row.to, attempts, error)
        if state == OutboundState.RETRYING:
            from caredesk.channels.email import tasks

            tasks.schedule_retry(row.pk, next_at)
        return str(state)
    OutboundEmail.objects.filter(pk=row.pk).update(
        state=OutboundState.SENT, attempts=row.attempts + 1, sent_at=now, last_error=""
    )
    return str(OutboundState.SENT)


def process_due(now: datetime, limit: int = 200) -> dict[str, int]:
    """Deliver what is due (the worker's periodic pass and ``caredesk mail outbox``)."""
    ids = list(
        OutboundEmail.objects.filter(
            state__in=[OutboundState.QUEUED, OutboundState.RETRYING, OutboundState.SENDING],
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in ids:
        state = deliver(pk, now)
        if state:
            counts[state] = counts.get(state, 0) + 1
    return counts
