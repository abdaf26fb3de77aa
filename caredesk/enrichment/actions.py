"""Recording abuse scores, unflagging, and marking repeat offenders; recording the
sentiment of customer messages and the case's current mood. Audited."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core import events
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.enrichment import replies, sentiment
from caredesk.enrichment.abuse import AbuseResult, threshold
from caredesk.enrichment.models import CaseMood, CustomerAttention, MessageAbuse, MessageSentiment
from caredesk.enrichment.replies import Checked
from caredesk.enrichment.sentiment import SentimentResult
from caredesk.tickets import audit
from caredesk.tickets.models import Message, MessageKind, Ticket

DEFAULT_REPEAT_FLAGS = 3


def repeat_flags() -> int:
    return int(getattr(settings, "CAREDESK_ABUSE_REPEAT_FLAGS", DEFAULT_REPEAT_FLAGS))


def do_record_abuse_score(
    message_id: int, result: AbuseResult, *, now: datetime
) -> MessageAbuse | None:
    """Store a score computed outside the transaction; a message is scored once."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(pk=message_id, kind=MessageKind.CUSTOMER)
            .first()
        )
        if message is None or MessageAbuse.objects.filter(message_id=message_id).exists():
            return None
        flagged = result.score >= threshold()
        row = MessageAbuse.objects.create(
            message=message,
            ticket=message.ticket,
            customer_id=message.author_customer_id,
            score=result.score,
            flagged=flagged,
            reasons=list(result.reasons),
            classifier=result.classifier,
            scored_at=now,
        )
        if flagged:
            audit.record(
                message.ticket,
                None,
                "message_flagged",
                now=now,
                field="abuse",
                new={"message": message.pk, "score": result.score, "reasons": list(result.reasons)},
            )
            if message.author_customer_id is not None:
                _maybe_mark_customer(message.author_customer_id, message, now)
    return row


def _maybe_mark_customer(customer_id: int, message: Message, now: datetime) -> None:
    count = MessageAbuse.objects.filter(customer_id=customer_id, flagged=True).count()
    if count < repeat_flags():
        return
    mark, created = CustomerAttention.objects.select_for_update().get_or_create(
        customer_id=customer_id, defaults={"flagged_messages": count, "marked_at": now}
    )
    if created or mark.reviewed_at is not None:
        if not created:
            mark.reviewed_at = None
            mark.reviewed_by = None
            mark.marked_at = now
        mark.flagged_messages = count
        mark.save()
        audit.record(
            message.ticket,
            None,
            "customer_marked_for_attention",
            now=now,
            field="abuse",
            new={"flagged_messages": count},
            note="Repeated abusive messages; a lead should look at this customer.",
        )
    elif mark.flagged_messages != count:
        CustomerAttention.objects.filter(pk=mark.pk).update(flagged_messages=count)


def do_unflag_message(message: Message, *, actor: User, now: datetime) -> MessageAbuse:
    """Show a flagged message normally again (the classifier was wrong). Audited."""
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff can unflag a message.")
    with transaction.atomic():
        row = MessageAbuse.objects.select_for_update().filter(message_id=message.pk).first()
        if row is None:
            raise NotFound("This message was not scored.")
        if not row.flagged:
            raise DomainError("This message is not flagged.", code="not_flagged")
        row.flagged = False
        row.unflagged_by = actor
        row.unflagged_at = now
        row.save(update_fields=["flagged", "unflagged_by", "unflagged_at"])
        audit.record(
            message.ticket,
            actor,
            "message_unflagged",
            now=now,
            field="abuse",
            old={"message": message.pk, "flagged": True, "score": row.score},
            new={"message": message.pk, "flagged": False},
        )
    return row


def do_review_customer_attention(
    mark: CustomerAttention, *, actor: User, note: str, now: datetime
) -> CustomerAttention:
    if not actor.is_agent_staff or actor.role == "agent":
        raise PermissionDenied("A lead, manager or admin reviews this.")
    note = " ".join(str(note or "").split())[:2000]
    with transaction.atomic():
        updated = CustomerAttention.objects.filter(pk=mark.pk, reviewed_at__isnull=True).update(
            reviewed_by=actor, reviewed_at=now, review_note=note
        )
        if updated != 1:
            raise DomainError("This was already reviewed.", code="already_reviewed")
        audit.record(
            None,
            actor,
            "customer_attention_reviewed",
            now=now,
            new={"customer": mark.customer_id},
            note=note,
        )
    mark.refresh_from_db()
    return mark


def do_record_sentiment(
    message_id: int, result: SentimentResult, *, now: datetime
) -> MessageSentiment | None:
    """Store the sentiment of a customer message, scored outside the transaction, and
    recompute the case's current mood. A message is scored once: a task run again (its
    worker died after the commit) finds the row and writes nothing. When the mood's
    label turns (negative → neutral, …) a ``mood.changed`` event is emitted."""
    if result.label not in sentiment.LABELS or not -1.0 <= result.compound <= 1.0:
        raise DomainError("A sentiment score is in [-1, 1] with a known label.", code="invalid")
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(pk=message_id, kind=MessageKind.CUSTOMER)
            .first()
        )
        if message is None or MessageSentiment.objects.filter(message_id=message_id).exists():
            return None
        row = MessageSentiment.objects.create(
            message=message,
            ticket=message.ticket,
            compound=result.compound,
            label=result.label,
            analyzer=result.analyzer,
            message_at=message.created_at,
            scored_at=now,
        )
        _update_mood(message, now)
    return row


def _update_mood(message: Message, now: datetime) -> None:
    ticket = message.ticket
    latest = list(
        MessageSentiment.objects.filter(ticket=ticket)
        .order_by("-message_at", "-message_id")
        .values_list("compound", "message_at")[: sentiment.MOOD_WINDOW]
    )
    value = sentiment.mood([c for c, _ in latest])
    if value is None:
        return
    label = sentiment.label_for(value)
    old = CaseMood.objects.select_for_update().filter(ticket=ticket).first()
    old_label = old.label if old is not None else None
    fields = {
        "customer_id": ticket.customer_id,
        "compound": value,
        "label": label,
        "last_message_at": latest[0][1],
        "updated_at": now,
    }
    if old is None:
        CaseMood.objects.create(ticket=ticket, scored_messages=1, **fields)
    else:  # this message was not scored before (checked under the message lock): one more
        for name, field_value in fields.items():
            setattr(old, name, field_value)
        old.scored_messages += 1
        old.save(update_fields=[*fields, "scored_messages"])
    if old_label is not None and old_label != label:
        # The mood turned (not its first reading): an event for machines (webhooks).
        # Scores are enrichment, like abuse scores; the case's audit log stays for what
        # people did.
        events.emit(
            "mood.changed",
            now=now,
            ticket_id=ticket.pk,
            data={
                "field": "mood",
                "old": old_label,
                "new": label,
                "compound": value,
                "message": message.pk,
            },
        )


def do_record_reply_coverage(
    ticket_id: int, message_id: int, checked: Checked, *, now: datetime
) -> None:
    """The coverage warning a reply was sent with, and what the agent decided: sent
    anyway, or revised until the check passed (P3). Called by the ``message.added``
    reaction inside the reply's transaction; one audit event on the case."""
    if checked.decision not in (replies.SENT_ANYWAY, replies.REVISED):
        raise DomainError("Unknown coverage decision.", code="invalid")
    ticket = Ticket.objects.get(pk=ticket_id)
    result = checked.result
    audit.record(
        ticket,
        checked.agent,
        "reply_coverage",
        now=now,
        field="coverage",
        new={
            "message": message_id,
            "decision": checked.decision,
            "missing": list(result.missing),
            "checker": result.checker,
        },
        note=result.warning,
    )
