"""Links between cases: related, duplicate of, parent of (a problem and its incidents).

Every change is an action here (one transaction, audited on both cases). Resolving a
problem offers to resolve its open incidents: :func:`do_resolve_children` sends each a
public reply that resolves it, through ``do_reply`` (each audited and mailed like any
reply). docs/merge-and-links.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from caredesk.accounts.models import User
from caredesk.core.errors import Conflict, DomainError, NotFound
from caredesk.core.text import clean_body
from caredesk.tickets import audit
from caredesk.tickets.access import access_ticket
from caredesk.tickets.actions import _require_staff, do_reply
from caredesk.tickets.models import OPEN_STATUSES, CaseLink, LinkKind, Status, Ticket

MAX_LINKS_PER_CASE = 200
MAX_CHILDREN_RESOLVED = 200


def _lock(ids: list[int]) -> dict[int, Ticket]:
    rows = Ticket.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    return {t.pk: t for t in rows}


def _detail(link: CaseLink, source: Ticket, target: Ticket) -> dict[str, object]:
    return {
        "link": link.pk,
        "kind": link.kind,
        "source": {"case": source.reference, "id": source.pk},
        "target": {"case": target.reference, "id": target.pk},
    }


def do_link_cases(
    source: Ticket, target: Ticket, *, kind: str, actor: User, now: datetime
) -> CaseLink:
    """Link two cases. ``duplicate``: source duplicates target; ``parent``: source is the
    problem, target an incident of it (an incident has one problem)."""
    _require_staff(actor)
    if kind not in LinkKind.values:
        raise DomainError(f"Unknown link kind {kind!r}.", code="invalid_link_kind")
    if source.pk == target.pk:
        raise DomainError("A case cannot be linked to itself.", code="link_to_itself")
    if kind == LinkKind.RELATED and source.pk > target.pk:
        source, target = target, source
    with transaction.atomic():
        rows = _lock([source.pk, target.pk])
        source, target = rows[source.pk], rows[target.pk]
        for case in (source, target):
            if case.status == Status.MERGED:
                raise Conflict(f"{case.reference} is merged: link its target.", code="merged")
        pair = Q(source=source, target=target) | Q(source=target, target=source)
        if CaseLink.objects.filter(pair).exists():
            raise Conflict(
                f"{source.reference} and {target.reference} are already linked.",
                code="already_linked",
            )
        if kind == LinkKind.PARENT:
            parent = CaseLink.objects.filter(target=target, kind=LinkKind.PARENT).first()
            if parent is not None:
                raise Conflict(
                    f"{target.reference} is already an incident of another problem.",
                    code="has_parent",
                )
            if CaseLink.objects.filter(source=target, kind=LinkKind.PARENT).exists():
                raise Conflict(
                    f"{target.reference} is a problem with incidents of its own.",
                    code="nested_problem",
                )
        count = CaseLink.objects.filter(Q(source=source) | Q(target=source)).count()
        if count >= MAX_LINKS_PER_CASE:
            raise DomainError(f"At most {MAX_LINKS_PER_CASE} links per case.", code="too_many")
        link = CaseLink.objects.create(
            source=source, target=target, kind=kind, created_by=actor, created_at=now
        )
        detail = _detail(link, source, target)
        label = LinkKind(kind).label.lower()
        audit.insert(
            [
                audit.event(
                    source,
                    actor,
                    "linked",
                    now=now,
                    field="links",
                    new=detail,
                    note=f"{source.reference} {label} {target.reference}.",
                ),
                audit.event(
                    target,
                    actor,
                    "linked",
                    now=now,
                    field="links",
                    new=detail,
                    note=f"{source.reference} {label} {target.reference}.",
                ),
            ]
        )
    return link


def do_unlink_cases(link: CaseLink, *, actor: User, now: datetime) -> None:
    _require_staff(actor)
    with transaction.atomic():
        rows = _lock([link.source_id, link.target_id])
        locked = CaseLink.objects.filter(pk=link.pk).first()
        if locked is None:
            raise NotFound("No such link.")
        source, target = rows[locked.source_id], rows[locked.target_id]
        detail = _detail(locked, source, target)
        locked.delete()
        audit.insert(
            audit.event(
                case,
                actor,
                "unlinked",
                now=now,
                field="links",
                old=detail,
                note=f"Link between {source.reference} and {target.reference} removed.",
            )
            for case in (source, target)
        )


def links_of(ticket: Ticket) -> list[CaseLink]:
    """Every link of the case, with both cases (one query)."""
    return list(
        CaseLink.objects.filter(Q(source_id=ticket.pk) | Q(target_id=ticket.pk))
        .select_related("source", "target")
        .order_by("kind", "created_at", "id")[:MAX_LINKS_PER_CASE]
    )


def open_children(parent: Ticket) -> list[Ticket]:
    return list(
        Ticket.objects.filter(
            links_in__source_id=parent.pk,
            links_in__kind=LinkKind.PARENT,
            status__in=OPEN_STATUSES,
        )
        .select_related("customer")
        .order_by("pk")[:MAX_CHILDREN_RESOLVED]
    )


@dataclass
class ChildrenResolved:
    resolved: list[Ticket] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (case id, why)


def do_resolve_children(
    parent: Ticket, *, actor: User, body: str, now: datetime
) -> ChildrenResolved:
    """Resolve the problem's open incidents: each gets ``body`` as a public reply that
    resolves it (``do_reply``: audited, mailed to its customer). Incidents the actor
    cannot see or the action refuses are reported, not changed. The problem's timeline
    records the outcome."""
    _require_staff(actor)
    body = clean_body(body, max_chars=settings.CAREDESK_MAX_BODY_CHARS, field="message")
    result = ChildrenResolved()
    for child in open_children(parent):
        try:
            visible = access_ticket(actor, child.pk)
            with transaction.atomic():
                do_reply(visible, agent=actor, body=body, now=now, status_after=Status.RESOLVED)
        except NotFound:
            result.refused.append((child.pk, "not visible to you"))
            continue
        except DomainError as error:
            result.refused.append((child.pk, error.message))
            continue
        result.resolved.append(child)
    with transaction.atomic():
        audit.record(
            parent,
            actor,
            "children_resolved",
            now=now,
            field="children",
            new={
                "resolved": [c.reference for c in result.resolved],
                "refused": [pk for pk, _ in result.refused],
            },
            note=f"Resolved {len(result.resolved)} incident(s) and told their customers.",
        )
    return result
