"""Model rows → response schemas. What a customer token may see is decided here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from caredesk.accounts.models import Team
from caredesk.channels.api import schemas as s
from caredesk.customers.models import ContactIdentity, Customer, Organization
from caredesk.tickets.models import Message, Ticket


def org_ref(org: Organization | None) -> s.OrganizationRef | None:
    if org is None:
        return None
    return s.OrganizationRef(id=org.pk, name=org.name, tier=org.tier)


def case(ticket: Ticket, *, staff: bool, detail: bool = False) -> s.CaseOut:
    fields: dict[str, Any] = {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "customer": s.Ref(id=ticket.customer_id, name=ticket.customer.name),
        "message_count": ticket.message_count,
        "reopen_count": ticket.reopen_count,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "resolution_outcome": ticket.resolution_outcome or None,
        "follow_up_of": ticket.follow_up_of_id,
    }
    if staff:
        fields.update(
            time_spent_minutes=ticket.time_spent_minutes,
            merged_into=ticket.merged_into_id,
            organization=org_ref(ticket.organization),
            team=s.Ref(id=ticket.team.pk, name=ticket.team.name) if ticket.team else None,
            assignee=(
                s.Ref(id=ticket.assignee.pk, name=ticket.assignee.display_name)
                if ticket.assignee
                else None
            ),
            # Uses the prefetch cache when the list prefetched tags.
            tags=sorted(tag.name for tag in ticket.tags.all()),
            sla=s.CaseSlaOut(
                policy_id=ticket.sla_policy_id,
                first_response_due_at=ticket.first_response_due_at,
                next_response_due_at=ticket.next_response_due_at,
                resolution_due_at=ticket.resolution_due_at,
                paused=ticket.sla_paused_at is not None,
                breached=ticket.sla_breached,
            ),
            mood=mood(ticket),
        )
    if detail:
        return s.CaseDetailOut(original_request=ticket.original_request, **fields)
    return s.CaseOut(**fields)


def abuse(msg: Message) -> s.AbuseOut | None:
    """The abuse score of a message, if it was scored (staff only)."""
    try:
        row = msg.abuse
    except ObjectDoesNotExist:
        return None
    return s.AbuseOut(
        flagged=row.flagged,
        score=round(float(row.score), 3),
        reasons=[str(r) for r in (row.reasons or [])],
        unflagged_at=row.unflagged_at,
    )


def mood(ticket: Ticket) -> s.MoodOut | None:
    """The case's current mood, if a customer message was scored (staff only)."""
    try:
        row = ticket.mood
    except ObjectDoesNotExist:
        return None
    return s.MoodOut(
        label=row.label,  # type: ignore[arg-type]
        compound=round(float(row.compound), 3),
        scored_messages=row.scored_messages,
        updated_at=row.updated_at,
    )


def sentiment(msg: Message) -> s.SentimentOut | None:
    """The sentiment of a customer message, if it was scored (staff only)."""
    try:
        row = msg.sentiment
    except ObjectDoesNotExist:
        return None
    return s.SentimentOut(label=row.label, compound=round(float(row.compound), 3))  # type: ignore[arg-type]


def message(msg: Message, *, staff: bool = True) -> s.MessageOut:
    if msg.author_user is not None and not msg.author_user.is_customer:
        author = s.Author(kind="staff", name=msg.author_user.display_name)
    elif msg.author_customer is not None:
        author = s.Author(kind="customer", name=msg.author_customer.name)
    elif msg.author_user is not None:
        author = s.Author(kind="customer", name=msg.author_user.display_name)
    else:
        author = s.Author(kind="system", name="caredesk")
    return s.MessageOut(
        id=msg.pk,
        kind=msg.kind,
        author=author,
        body=msg.body,
        created_at=msg.created_at,
        abuse=abuse(msg) if staff else None,
        sentiment=sentiment(msg) if staff else None,
        cc=list(msg.cc or []),
        bcc=list(msg.bcc or []) if staff else None,
        attachments=[
            s.AttachmentOut(id=a.pk, filename=a.filename, content_type=a.content_type, size=a.size)
            for a in msg.attachments.all()
        ],
    )


def customer(c: Customer) -> s.CustomerOut:
    return s.CustomerOut(
        id=c.pk,
        name=c.name,
        organization=org_ref(c.organization),
        emails=[i.value for i in c.identities.all() if i.kind == ContactIdentity.Kind.EMAIL],
        language=c.language,
        created_at=c.created_at,
        fields=None,  # filled by the router for staff (fields_out.add_fields)
    )


def organization(org: Organization) -> s.OrganizationOut:
    return s.OrganizationOut(
        id=org.pk,
        name=org.name,
        tier=org.tier,
        shared_cases=org.shared_cases,
        vip_note=org.vip_note,
        created_at=org.created_at,
        fields=None,  # filled by the router for staff (fields_out.add_fields)
    )


def team(t: Team) -> s.TeamOut:
    return s.TeamOut(
        id=t.pk,
        name=t.name,
        slug=t.slug,
        description=t.description,
        lead=s.Ref(id=t.lead.pk, name=t.lead.display_name) if t.lead else None,
        members=[
            s.MemberOut(
                id=m.user.pk,
                name=m.user.display_name,
                email=m.user.email,
                role=m.user.role,
                is_away=m.user.is_away,
            )
            for m in t.membership_set.all()
        ],
    )
