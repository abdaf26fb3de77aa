"""Incidents (docs/incidents.md): declare for an audience, preview the audience, post
updates, resolve, close the linked cases. Staff tokens read; leads, managers and admins
write. Declaring takes an ``Idempotency-Key`` so a retried request tells nobody twice.

The audience is a rule (organizations, tiers, case tags, record kind and attributes,
products) and/or customers by id or by address (``customer_emails``), or a CSV text
(``csv``): rows that name nobody refuse the request (422, each row in ``details``)
unless ``confirm_partial`` is true, when the rest is used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError, unprocessable
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.pagination import after_id, id_cursor
from caredesk.channels.api.schemas import ErrorOut, InSchema
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.incidents import actions, audience, selectors
from caredesk.incidents.models import MAX_TEXT, MAX_TITLE, Affected, Incident, IncidentUpdate

router = Router(tags=["incidents"])


class AudienceIn(InSchema):
    organization_ids: list[int] = Field(default_factory=list, max_length=100)
    tiers: list[str] = Field(default_factory=list, max_length=3)
    tags: list[str] = Field(default_factory=list, max_length=100)
    record_kind: str = Field("", max_length=32)
    record_attributes: dict[str, str] = Field(default_factory=dict)
    products: list[str] = Field(default_factory=list, max_length=100)
    customer_ids: list[int] = Field(default_factory=list, max_length=50_000)
    customer_emails: list[str] = Field(default_factory=list, max_length=50_000)
    csv: str = Field("", max_length=audience.MAX_CSV_BYTES, description="CSV text")
    confirm_partial: bool = Field(
        False, description="Use the usable rows of the CSV or list and skip the others."
    )


class DeclareIn(InSchema):
    title: str = Field(..., max_length=MAX_TITLE)
    public_text: str = Field(..., max_length=MAX_TEXT)
    audience: AudienceIn


class UpdateIn(InSchema):
    body: str = Field(..., max_length=MAX_TEXT)
    essential: bool = False


class ResolveIn(InSchema):
    body: str = Field(..., max_length=MAX_TEXT)


class UpdateOut(Schema):
    id: int
    body: str
    essential: bool
    is_resolution: bool
    posted_at: datetime
    posted_by_id: int | None
    fanned_out_at: datetime | None
    mailed: int
    skipped: int


class IncidentOut(Schema):
    id: int
    title: str
    public_text: str
    status: str
    audience_rule: dict[str, Any]
    audience_count: int
    declared_at: datetime
    declared_by_id: int | None
    resolved_at: datetime | None
    linked_case_ids: list[int]
    updates: list[UpdateOut]


class IncidentRow(Schema):
    id: int
    title: str
    status: str
    audience_count: int
    declared_at: datetime
    resolved_at: datetime | None


class IncidentPage(Schema):
    items: list[IncidentRow]
    next_cursor: str | None


class PreviewOut(Schema):
    customers: int
    skipped_rows: list[dict[str, Any]]


class AudiencePage(Schema):
    customer_ids: list[int]
    next_cursor: str | None


class ClosedOut(Schema):
    closed_case_ids: list[int]


def _update(u: IncidentUpdate) -> UpdateOut:
    return UpdateOut(
        id=u.pk,
        body=u.body,
        essential=u.essential,
        is_resolution=u.is_resolution,
        posted_at=u.posted_at,
        posted_by_id=u.posted_by_id,
        fanned_out_at=u.fanned_out_at,
        mailed=u.mailed,
        skipped=u.skipped,
    )


def present(incident: Incident) -> IncidentOut:
    return IncidentOut(
        id=incident.pk,
        title=incident.title,
        public_text=incident.public_text,
        status=incident.status,
        audience_rule=incident.audience_rule,
        audience_count=incident.audience_count,
        declared_at=incident.declared_at,
        declared_by_id=incident.declared_by_id,
        resolved_at=incident.resolved_at,
        linked_case_ids=[t.pk for t in selectors.linked_cases(incident)],
        updates=[_update(u) for u in selectors.updates(incident)],
    )


def _rule(data: AudienceIn) -> tuple[audience.Rule, list[audience.RowError]]:
    ids = list(data.customer_ids)
    skipped: list[audience.RowError] = []
    for text in ("\n".join(e.replace(",", " ").strip() for e in data.customer_emails), data.csv):
        if text.strip():
            found = audience.csv_customers(text, confirm=data.confirm_partial)
            ids += found.customer_ids
            skipped += found.errors
    rule = audience.make_rule(
        organization_ids=data.organization_ids,
        tiers=data.tiers,
        tags=data.tags,
        record_kind=data.record_kind,
        record_attributes=data.record_attributes,
        products=data.products,
        customer_ids=ids,
    )
    return rule, skipped


def _incident(pk: int) -> Incident:
    incident = Incident.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def _lead(request: HttpRequest) -> Any:
    user = require_staff(request)
    if not actions.may_declare(user):
        raise ApiError(403, "Only leads, managers and admins change incidents.", code="forbidden")
    return user


@router.get("", response={200: IncidentPage, ERROR_CODES: ErrorOut})
def list_incidents(
    request: HttpRequest,
    status: str | None = Query(None, pattern="^(open|resolved)$"),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
) -> IncidentPage:
    """Every incident, oldest first (a cursor for the next page)."""
    require_staff(request)
    rows = Incident.objects.filter(after_id(cursor)).order_by("pk")
    if status:
        rows = rows.filter(status=status)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return IncidentPage(
        items=[
            IncidentRow(
                id=i.pk,
                title=i.title,
                status=i.status,
                audience_count=i.audience_count,
                declared_at=i.declared_at,
                resolved_at=i.resolved_at,
            )
            for i in found
        ],
        next_cursor=id_cursor(found[-1].pk) if more and found else None,
    )


@router.post("/preview", response={200: PreviewOut, ERROR_CODES: ErrorOut})
def preview_audience(request: HttpRequest, payload: AudienceIn) -> PreviewOut:
    """How many customers an incident with this audience would reach (nothing is saved)."""
    _lead(request)
    rule, skipped = unprocessable(lambda: _rule(payload))
    return PreviewOut(
        customers=audience.count(rule),
        skipped_rows=[{"row": e.row, "value": e.value, "message": e.message} for e in skipped],
    )


@router.post("", response={201: IncidentOut, ERROR_CODES: ErrorOut})
def declare_incident(
    request: HttpRequest, payload: DeclareIn, response: HttpResponse
) -> Status[Any]:
    """Declare an incident and tell every affected customer (201). An empty audience is
    refused (422 ``empty_audience``)."""
    user = _lead(request)

    def write() -> tuple[int, IncidentOut]:
        rule, _ = unprocessable(lambda: _rule(payload.audience))
        done = unprocessable(
            lambda: actions.do_declare_incident(
                actor=user,
                title=payload.title,
                public_text=payload.public_text,
                rule=rule,
                now=clock.now(),
            )
        )
        return 201, present(done.incident)

    return idempotent(request, response, write)


@router.get("/{incident_id}", response={200: IncidentOut, ERROR_CODES: ErrorOut})
def get_incident(request: HttpRequest, incident_id: int) -> IncidentOut:
    require_staff(request)
    return present(_incident(incident_id))


@router.get("/{incident_id}/audience", response={200: AudiencePage, ERROR_CODES: ErrorOut})
def list_incident_audience(
    request: HttpRequest,
    incident_id: int,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(500, ge=1, le=5000),
) -> AudiencePage:
    """The ids of the affected customers, in id order."""
    require_staff(request)
    incident = _incident(incident_id)
    query = Affected.objects.filter(incident=incident).filter(after_id(cursor)).order_by("pk")
    rows = list(query.values_list("pk", "customer_id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return AudiencePage(
        customer_ids=[c for _, c in rows],
        next_cursor=id_cursor(rows[-1][0]) if more and rows else None,
    )


@router.post("/{incident_id}/updates", response={201: UpdateOut, ERROR_CODES: ErrorOut})
def post_incident_update(request: HttpRequest, incident_id: int, payload: UpdateIn) -> Status[Any]:
    user = _lead(request)
    incident = _incident(incident_id)
    update = unprocessable(
        lambda: actions.do_post_update(
            incident, actor=user, body=payload.body, essential=payload.essential, now=clock.now()
        )
    )
    return Status(201, _update(update).model_dump(mode="json"))


@router.post("/{incident_id}/resolve", response={200: IncidentOut, ERROR_CODES: ErrorOut})
def resolve_incident(request: HttpRequest, incident_id: int, payload: ResolveIn) -> IncidentOut:
    user = _lead(request)
    incident = _incident(incident_id)
    unprocessable(
        lambda: actions.do_resolve_incident(
            incident, actor=user, body=payload.body, now=clock.now()
        )
    )
    return present(_incident(incident_id))


@router.post("/{incident_id}/close-cases", response={200: ClosedOut, ERROR_CODES: ErrorOut})
def close_incident_cases(request: HttpRequest, incident_id: int) -> ClosedOut:
    """After the resolution: close every linked case still open (each audited)."""
    user = _lead(request)
    incident = _incident(incident_id)
    closed = unprocessable(
        lambda: actions.do_close_linked_cases(incident, actor=user, now=clock.now())
    )
    return ClosedOut(closed_case_ids=[t.pk for t in closed])
