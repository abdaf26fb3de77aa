"""How policies follow the cases: a reply that carried a policy records that the
customer was told (wired in ``settings.CAREDESK_EVENT_REACTIONS`` under
``message.added``). Outside :func:`caredesk.policies.replies.acknowledging` it does
nothing and reads nothing."""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.policies import actions, replies
from caredesk.policies.models import EvidenceKind, How
from caredesk.tickets.models import Message, MessageKind, Ticket


def record_reply_acknowledgements(group: list[Emitted]) -> None:
    inserted = replies.inserted()
    if inserted is None:
        return
    for e in group:
        new = e.event.data.get("new")
        ticket = e.subject
        if not isinstance(ticket, Ticket) or not isinstance(new, dict):
            continue
        if new.get("kind") != MessageKind.REPLY or not new.get("message"):
            continue
        message = Message.objects.filter(pk=new["message"]).only("pk", "body").first()
        if message is None:
            continue
        for version in inserted.versions:
            if not replies.text_was_sent(version, message.body):
                continue
            actions.do_record_acknowledgement(
                customer=ticket.customer,
                version=version,
                how=How.REPLY,
                by=actions.Told(user=inserted.agent),
                now=e.event.created_at,
                evidence_kind=EvidenceKind.MESSAGE,
                evidence_ref=str(message.pk),
            )
