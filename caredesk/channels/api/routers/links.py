"""Merge, split and links between cases (docs/merge-and-links.md). Staff tokens only;
the same actions and checks as the case page."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.tickets import links, merge
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import CaseLink

router = Router(tags=["merge and links"])


class MergeIn(Schema):
    into: int = Field(..., description="Id of the case to merge into (the target).", ge=1)
    confirm_other_customer: bool = Field(
        False, description="Required (true) when the two cases have different customers."
    )
    note: str = Field("", max_length=2000, description="Why (staff only, on the target).")


class MergeOut(Schema):
    source_id: int
    source_reference: str
    target_id: int
    target_reference: str
    moved_messages: int
    across_customers: bool


class SplitIn(Schema):
    message_id: int = Field(..., ge=1)
    subject: str = Field("", max_length=255, description="Blank: 'Split from CD-…: subject'.")


class SplitOut(Schema):
    case_id: int
    reference: str
    subject: str


class LinkIn(Schema):
    case_id: int = Field(..., ge=1, description="The other case.")
    kind: Literal["related", "duplicate", "parent"] = Field(
        ...,
        description="related; duplicate (this case duplicates the other); "
        "parent (this case is the problem, the other an incident of it).",
    )


class LinkOut(Schema):
    id: int
    kind: str
    source_id: int
    source_reference: str
    target_id: int
    target_reference: str
    created_at: datetime


class ResolveChildrenIn(Schema):
    body: str = Field(..., description="The public reply each incident's customer gets.")


class ResolveChildrenOut(Schema):
    resolved: list[int]
    refused: list[int]


def _link_out(link: CaseLink) -> LinkOut:
    return LinkOut(
        id=link.pk,
        kind=link.kind,
        source_id=link.source_id,
        source_reference=link.source.reference,
        target_id=link.target_id,
        target_reference=link.target.reference,
        created_at=link.created_at,
    )


@router.post("/{case_id}/merge", response={200: MergeOut, ERROR_CODES: ErrorOut})
def merge_case(request: HttpRequest, case_id: int, payload: MergeIn) -> MergeOut:
    """Merge this case (a duplicate) into ``into``: its messages, attachments, promises and
    email participants move there; this case becomes a pointer (status ``merged``) and its
    customer is told by mail. 404: either case not visible to you; 409: an already merged
    case, a merged or closed target, or different
    customers without ``confirm_other_customer``; 400: into itself, a note too long."""
    user = require_staff(request)
    source = access_ticket(user, case_id)
    target = access_ticket(user, payload.into)
    done = merge.do_merge_cases(
        source,
        target,
        actor=user,
        now=clock.now(),
        confirm_other_customer=payload.confirm_other_customer,
        note=payload.note,
    )
    return MergeOut(
        source_id=done.source.pk,
        source_reference=done.source.reference,
        target_id=done.target.pk,
        target_reference=done.target.reference,
        moved_messages=done.moved_messages,
        across_customers=done.across_customers,
    )


@router.post("/{case_id}/split", response={201: SplitOut, ERROR_CODES: ErrorOut})
def split_message(request: HttpRequest, case_id: int, payload: SplitIn) -> Status[SplitOut]:
    """Move one customer message of this case to a new case (same customer) whose pinned
    original request is that message; the two are linked as related. 400: not a customer
    message of this case, or its original request."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    new = merge.do_split_message(
        ticket, payload.message_id, actor=user, now=clock.now(), subject=payload.subject
    )
    return Status(201, SplitOut(case_id=new.pk, reference=new.reference, subject=new.subject))


@router.get("/{case_id}/links", response={200: list[LinkOut], ERROR_CODES: ErrorOut})
def list_links(request: HttpRequest, case_id: int) -> list[LinkOut]:
    """Every link of the case (both directions)."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    return [_link_out(link) for link in links.links_of(ticket)]


@router.post("/{case_id}/links", response={201: LinkOut, ERROR_CODES: ErrorOut})
def create_link(request: HttpRequest, case_id: int, payload: LinkIn) -> Status[LinkOut]:
    """Link this case to another. 409: already linked, or an incident that has a problem."""
    user = require_staff(request)
    source = access_ticket(user, case_id)
    target = access_ticket(user, payload.case_id)
    link = links.do_link_cases(source, target, kind=payload.kind, actor=user, now=clock.now())
    return Status(201, _link_out(link))


@router.delete("/{case_id}/links/{link_id}", response={204: None, ERROR_CODES: ErrorOut})
def delete_link(request: HttpRequest, case_id: int, link_id: int) -> Status[None]:
    """Remove a link of this case. 404: no such link on a case you see."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    link = next((x for x in links.links_of(ticket) if x.pk == link_id), None)
    if link is None:
        raise NotFound("No such link.")
    links.do_unlink_cases(link, actor=user, now=clock.now())
    return Status(204, None)


@router.post(
    "/{case_id}/resolve-children", response={200: ResolveChildrenOut, ERROR_CODES: ErrorOut}
)
def resolve_children(
    request: HttpRequest, case_id: int, payload: ResolveChildrenIn
) -> ResolveChildrenOut:
    """Resolve this problem's open incidents: each gets ``body`` as a public reply that
    resolves it (audited and mailed to its customer). Incidents you cannot see, or whose
    reply is refused, are listed in ``refused`` and left as they are."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    result = links.do_resolve_children(ticket, actor=user, body=payload.body, now=clock.now())
    return ResolveChildrenOut(
        resolved=[t.pk for t in result.resolved], refused=[pk for pk, _ in result.refused]
    )
