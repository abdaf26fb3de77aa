"""The outbox: every mail caredesk sends goes through :func:`send_mail`.

``send_mail`` renders one of the built-in mails (``caredesk.core.mails``; the admin's
``MailTemplate`` when there is one) as text and HTML, sets the Message-ID, threading
headers for case mail and ``Auto-Submitted`` on automatic mail, applies the loop checks,
and writes an :class:`OutboundEmail` row. The row is delivered after commit by
:func:`deliver`, which claims it with a lease and hands it to Django's mail backend (SMTP
in production); a failed attempt is retried with exponential backoff, and after the last
attempt the row is *failed* and admins see it. ``next_attempt_at`` of a queued, retrying
or stuck sending row is the ``outbox.retry`` deadline (:mod:`caredesk.core.deadlines`):
the retry is scheduled there, and the minute sweep delivers whatever is due with
:func:`deliver` (``caredesk mail outbox`` runs that sweep by hand).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import make_msgid
from functools import cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import Context, Engine, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import linebreaks
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

from caredesk.core import deadlines, languages, mailconf, mails, tasks
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.models import AutoReplyLog, EmailLink, MailTemplate, OutboundEmail, OutboundState

log = logging.getLogger(__name__)

AUTO_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
MAX_SUBJECT = 240
RETRY = "outbox.retry"  # the deadline kind of ``next_attempt_at`` (CAREDESK_DEADLINES)


ContextHook = Callable[..., Mapping[str, object]]


@cache
def _hooks(paths: tuple[str, ...]) -> list[ContextHook]:
    return [import_string(p) for p in paths]


def hook_context(
    name: str, to: str, context: Mapping[str, object], *, now: datetime
) -> dict[str, object]:
    """The context of mail ``name`` with what its hooks add: an app above core fills
    part of a mail it owns the words of (the offers a reply may carry) without core
    naming it. ``settings.CAREDESK_MAIL_CONTEXT_HOOKS``: {mail name: [dotted paths]},
    each ``hook(name, to, context, now=now) -> mapping``; runs inside the transaction
    that queues the mail."""
    paths = tuple(getattr(settings, "CAREDESK_MAIL_CONTEXT_HOOKS", {}).get(name, ()))
    merged = dict(context)
    for hook in _hooks(paths):
        merged.update(hook(name, to, merged, now=now))
    return merged


def language_of(name: str, context: Mapping[str, object]) -> str:
    """The language mail ``name`` is written in: the customer's for a customer mail
    (``languages.for_context``), the staff recipient's for staff mail
    (``languages.for_staff_context``: ``context["recipient_language"]``, else the desk's
    default; a customer's language in the context never counts)."""
    if mails.get(name).audience != "customer":
        return languages.for_staff_context(context)
    return languages.for_context(context)


def render(name: str, context: Mapping[str, object]) -> tuple[str, str, str]:
    """(subject, text, html) of the built-in mail ``name``, or of the admin's version,
    in the recipient's language (:func:`language_of`).

    Text and subject are plain text (never HTML-escaped); the HTML part is the admin's
    HTML template (escaping as usual) or the text in paragraphs, each character escaped
    once."""
    with translation.override(language_of(name, context)):
        return _render(name, context)


def _render(name: str, context: Mapping[str, object]) -> tuple[str, str, str]:
    mail = mails.get(name)
    ctx: dict[str, Any] = {**context, "site_url": settings.SITE_URL}
    custom = MailTemplate.objects.filter(name=name).first()
    if custom is not None and custom.text.strip():
        text = Template(custom.text).render(Context(ctx, autoescape=False))
    else:
        text = (
            Engine.get_default().get_template(mail.template).render(Context(ctx, autoescape=False))
        )
    html = ""
    if custom is not None and custom.html.strip():
        html = Template(custom.html).render(Context(ctx))
    if not html:
        # The text, escaped by linebreaks(), in paragraphs: safe to place as it is.
        body = mark_safe(linebreaks(text, autoescape=True))  # noqa: S308
        html = render_to_string("core/mail/body.html", {"body": body})
    subject_source = mail.subject
    if custom is not None and custom.subject.strip():
        subject_source = custom.subject
    subject = Template(subject_source).render(Context(ctx, autoescape=False))
    return " ".join(subject.split())[:MAX_SUBJECT], text, html


def new_message_id() -> str:
    return make_msgid(domain=mailconf.desk_domain())


def thread_headers(case_id: int) -> dict[str, str]:
    """In-Reply-To the latest mail on the case, References the chain (first and last 19)."""
    ids = list(
        EmailLink.objects.filter(ticket_id=case_id)
        .order_by("created_at", "id")
        .values_list("rfc_message_id", flat=True)
    )
    if not ids:
        return {}
    chain = ids if len(ids) <= 20 else [ids[0], *ids[-19:]]
    return {"In-Reply-To": ids[-1], "References": " ".join(chain)}


def reply_to_for(reference: str) -> str:
    """A plus-address that routes replies to the case, when the mail server supports it."""
    if not reference or not mailconf.plus_addressing():
        return ""
    local, _, domain = mailconf.desk_address().partition("@")
    return f"{local}+{reference.lower()}@{domain}"


def claim_auto_reply(address: str, now: datetime) -> bool:
    """True if a capped automatic reply to ``address`` may go out now; records it if so.

    A database row per address (not the cache), claimed under a row lock, so two workers
    cannot both answer the same sender inside the window."""
    window = timedelta(seconds=mailconf.auto_reply_window_seconds())
    address = address.lower()
    with transaction.atomic():
        row = AutoReplyLog.objects.select_for_update().filter(address=address).first()
        if row is None:
            try:
                with transaction.atomic():
                    AutoReplyLog.objects.create(address=address, last_sent_at=now, count=1)
                return True
            except IntegrityError:
                row = AutoReplyLog.objects.select_for_update().get(address=address)
        if row.last_sent_at + window > now:
            return False
        row.last_sent_at = now
        row.count += 1
        row.save(update_fields=["last_sent_at", "count"])
        return True


def _case_reference(context: Mapping[str, object]) -> str:
    ticket = context.get("ticket")
    return str(getattr(ticket, "reference", "") or "")


def send_mail(
    name: str,
    to: str,
    context: Mapping[str, object],
    *,
    now: datetime,
    kind: str = OutboundEmail.Kind.NOTIFICATION,
    auto: bool = True,
    case_id: int | None = None,
    message_id: int | None = None,
    thread: bool = False,
    capped: bool = False,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
) -> OutboundEmail | None:
    """Render the built-in mail ``name`` for ``to`` and put it in the outbox; it is
    delivered after the current transaction commits. Returns the row (None without an
    address).

    ``context["ticket"]``, when given, keeps the case token ``[CD-…]`` in the subject.
    ``thread`` (customer mail on a case): In-Reply-To/References from the case's mail
    chain, and the plus-address Reply-To when enabled; a ``reply`` with ``message_id``
    is recorded in that chain so the customer's answer threads back. ``auto`` marks the
    mail ``Auto-Submitted: auto-generated``. Mail to one of our own addresses is never
    sent (state *suppressed*, with the reason), and a ``capped`` automatic mail goes at
    most once per recipient per window. ``cc`` go in the Cc header, ``bcc`` on the
    envelope only; our own addresses and ``to`` itself are left out of both."""
    require_aware(now, "now")
    to = (to or "").strip()
    if not to:
        return None
    with transaction.atomic():
        # One transaction: what a context hook records (an offer made by mail) commits
        # with the mail row, or neither does.
        return _queue(
            name,
            to,
            hook_context(name, to, context, now=now),
            now=now,
            kind=kind,
            auto=auto,
            case_id=case_id,
            message_id=message_id,
            thread=thread,
            capped=capped,
            cc=cc,
            bcc=bcc,
        )


def _extra(to: str, addresses: Sequence[str], seen: set[str]) -> list[str]:
    kept = []
    for address in addresses:
        bare = address.strip().lower()
        if bare and bare != to.lower() and bare not in seen and not mailconf.is_own_address(bare):
            seen.add(bare)
            kept.append(bare)
    return kept


def _queue(
    name: str,
    to: str,
    context: Mapping[str, object],
    *,
    now: datetime,
    kind: str,
    auto: bool,
    case_id: int | None,
    message_id: int | None,
    thread: bool,
    capped: bool,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
) -> OutboundEmail:
    subject, text, html = render(name, context)
    seen: set[str] = set()
    cc_kept = _extra(to, cc, seen)
    bcc_kept = _extra(to, bcc, seen)
    reference = _case_reference(context)
    if reference and reference not in subject:
        subject = f"[{reference}] {subject}"[:MAX_SUBJECT]
    headers: dict[str, str] = {}
    if thread and case_id is not None:
        headers.update(thread_headers(case_id))
        reply_to = reply_to_for(reference)
        if reply_to:
            headers["Reply-To"] = reply_to
    if auto:
        headers.update(AUTO_HEADERS)
    if mails.get(name).audience == "customer":
        headers["Content-Language"] = language_of(name, context)
    state = OutboundState.QUEUED
    reason = ""
    if mailconf.is_own_address(to):
        state, reason = OutboundState.SUPPRESSED, "The recipient is one of our own addresses."
    elif capped and not claim_auto_reply(to, now):
        state = OutboundState.SUPPRESSED
        reason = "An automatic reply already went to this address recently (loop protection)."
    with transaction.atomic():
        row = OutboundEmail.objects.create(
            kind=kind,
            to=to,
            cc=cc_kept,
            bcc=bcc_kept,
            from_email=settings.DEFAULT_FROM_EMAIL,
            subject=subject[:255],
            text=text,
            html=html,
            rfc_message_id=new_message_id(),
            headers=headers,
            message_id=message_id,
            ticket_id=case_id,
            state=state,
            last_error=reason,
            created_at=now,
            next_attempt_at=now,
        )
        if thread and case_id is not None and message_id is not None and kind == "reply":
            EmailLink.objects.create(
                message_id=message_id,
                ticket_id=case_id,
                rfc_message_id=row.rfc_message_id,
                direction=EmailLink.Direction.OUTBOUND,
                in_reply_to=headers.get("In-Reply-To", ""),
                references=headers.get("References", ""),
                from_address=mailconf.desk_address(),
                created_at=now,
            )
    if state == OutboundState.QUEUED:
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
        cc=list(row.cc or []) or None,
        bcc=list(row.bcc or []) or None,  # the envelope only: Django writes no Bcc header
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
        if attempts >= mailconf.outbox_max_attempts():
            state, next_at = OutboundState.FAILED, now
        else:
            state, next_at = OutboundState.RETRYING, now + backoff(attempts)
        OutboundEmail.objects.filter(pk=row.pk).update(
            state=state, attempts=attempts, next_attempt_at=next_at, last_error=error
        )
        log.warning("mail %s to %s: attempt %s failed: %s", row.pk, row.to, attempts, error)
        if state == OutboundState.RETRYING:
            deadlines.schedule(RETRY, [row.pk], next_at)  # else the minute sweep
        return str(state)
    OutboundEmail.objects.filter(pk=row.pk).update(
        state=OutboundState.SENT, attempts=row.attempts + 1, sent_at=now, last_error=""
    )
    return str(OutboundState.SENT)


def queue_many(
    name: str,
    items: Sequence[tuple[str, Mapping[str, object], datetime]],
    *,
    now: datetime,
    kind: str = OutboundEmail.Kind.NOTICE,
    batch_size: int = 500,
) -> list[OutboundEmail]:
    """Put many automatic mails of one kind in the outbox with a few INSERTs: each item
    is (to, context, send_at). For fan-out (an incident update to thousands of
    customers): the admin's template is read once, no task is enqueued per row, and each
    row is delivered by the ``outbox.retry`` sweep once its ``send_at`` has come (the
    caller spreads ``send_at`` to keep to a rate). The same rows as :func:`send_mail`:
    Auto-Submitted, own addresses suppressed. Rows come back with their ids; call inside
    the caller's transaction. Context hooks are not applied (no fan-out mail has one)."""
    require_aware(now, "now")
    mail = mails.get(name)
    custom = MailTemplate.objects.filter(name=name).first()
    engine = Engine.get_default()
    if custom is not None and custom.text.strip():
        text_template = Template(custom.text)
    else:
        text_template = engine.get_template(mail.template)
    html_template = Template(custom.html) if custom is not None and custom.html.strip() else None
    subject_template = Template(
        custom.subject if custom is not None and custom.subject.strip() else mail.subject
    )
    own = mailconf.own_addresses()
    rows: list[OutboundEmail] = []
    for to, context, send_at in items:
        to = (to or "").strip()
        if not to:
            continue
        ctx: dict[str, Any] = {**context, "site_url": settings.SITE_URL}
        language = language_of(name, context)
        with translation.override(language):
            text = text_template.render(Context(ctx, autoescape=False))
            html = html_template.render(Context(ctx)) if html_template is not None else ""
            if not html:
                body = mark_safe(linebreaks(text, autoescape=True))  # noqa: S308
                html = render_to_string("core/mail/body.html", {"body": body})
            subject = " ".join(subject_template.render(Context(ctx, autoescape=False)).split())
        state, reason = OutboundState.QUEUED, ""
        if mailconf.is_own_address(to, own):
            state, reason = OutboundState.SUPPRESSED, "The recipient is one of our own addresses."
        rows.append(
            OutboundEmail(
                kind=kind,
                to=to,
                from_email=settings.DEFAULT_FROM_EMAIL,
                subject=subject[:MAX_SUBJECT][:255],
                text=text,
                html=html,
                rfc_message_id=new_message_id(),
                headers={**AUTO_HEADERS, "Content-Language": language}
                if mail.audience == "customer"
                else dict(AUTO_HEADERS),
                state=state,
                last_error=reason,
                created_at=now,
                next_attempt_at=require_aware(send_at, "send_at"),
            )
        )
    with transaction.atomic():
        OutboundEmail.objects.bulk_create(rows, batch_size=batch_size)
    return rows
